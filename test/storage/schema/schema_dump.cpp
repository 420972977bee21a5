#include "test/storage/schema/schema_dump.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <regex>
#include <sstream>
#include <stdexcept>

#include <fmt/core.h>

namespace test_schema {

namespace {

std::string pg_dump_program() {
    for (const char* candidate : {"/usr/lib/postgresql/15/bin/pg_dump", "/usr/bin/pg_dump"}) {
        if (std::FILE* f = std::fopen(candidate, "r")) {
            std::fclose(f);
            return candidate;
        }
    }
    return "pg_dump";
}

std::string capture(const std::string& command) {
    std::FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) throw std::runtime_error("popen: " + command);
    std::string out;
    std::array<char, 8192> buf{};
    while (std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
    if (::pclose(pipe) != 0) throw std::runtime_error("failed: " + command);
    return out;
}

bool skipped_line(const std::string& line) {
    return line.empty() || line.starts_with("--") || line.starts_with("SET ") ||
           line.starts_with("SELECT pg_catalog.set_config") || line.starts_with("\\restrict") ||
           line.starts_with("\\unrestrict");
}

std::string first_line(const std::string& statement) { return statement.substr(0, statement.find('\n')); }

}  // namespace

std::vector<std::string> schema_dump(const std::string& url, bool without_wintermute) {
    // wintermute's own objects: its tables in bsky and the indexer's functions in schema wintermute.
    const std::string exclude = without_wintermute ? " --exclude-schema=wintermute" : "";
    std::istringstream dump(capture(fmt::format("'{}' --schema-only{} '{}'", pg_dump_program(), exclude, url)));
    static const std::regex wintermute_object(
        R"(bsky\.(wintermute_migration|sub_state|account_event_state|backfill_repo|backfill_enum)\b)");
    std::vector<std::string> statements;
    std::string line, current;
    while (std::getline(dump, line)) {
        if (current.empty() && skipped_line(line)) continue;
        current += line + "\n";
        if (!line.empty() && line.back() == ';') {
            if (!without_wintermute || !std::regex_search(current, wintermute_object)) statements.push_back(current);
            current.clear();
        }
    }
    std::sort(statements.begin(), statements.end());
    return statements;
}

std::string describe_differences(const std::vector<std::string>& ours, const std::vector<std::string>& reference) {
    std::vector<std::string> only_ours, only_reference;
    std::set_difference(ours.begin(), ours.end(), reference.begin(), reference.end(), std::back_inserter(only_ours));
    std::set_difference(reference.begin(), reference.end(), ours.begin(), ours.end(),
                        std::back_inserter(only_reference));
    // Pair statements about the same object (same first line) to say how they differ.
    std::map<std::string, std::string> reference_by_head;
    for (const auto& s : only_reference) reference_by_head[first_line(s)] = s;
    std::string report;
    for (const auto& s : only_ours) {
        auto head = first_line(s);
        if (auto it = reference_by_head.find(head); it != reference_by_head.end()) {
            report += fmt::format("differs: {}\n  ours:\n{}  reference:\n{}", head, s, it->second);
            reference_by_head.erase(it);
        } else {
            report += fmt::format("only in ours: {}", s);
        }
    }
    for (const auto& [head, s] : reference_by_head) report += fmt::format("missing from ours: {}", s);
    return report;
}

}  // namespace test_schema
