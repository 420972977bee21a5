#include "test/stages/backfill/capture_repos.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <memory>
#include <regex>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <fmt/core.h>
#include <simdjson.h>

#include "stages/backfill/repo_classifier.hpp"
#include "storage/pg/connection.hpp"
#include "test/support/fixtures.hpp"

namespace test_backfill {

using stages::classify::OpKind;
using stages::classify::StagedOp;

namespace {

std::string capture(const std::string& relative) {
    return test_support::shared_path("fixtures/pds-capture/" + relative);
}

}  // namespace

std::vector<ListedRepo> listed_repos() {
    simdjson::dom::parser parser;
    simdjson::dom::array pages = parser.load(capture("listRepos.json"));
    std::vector<ListedRepo> repos;
    for (simdjson::dom::object page : pages) {
        for (simdjson::dom::object r : page["repos"].get_array()) {
            ListedRepo repo;
            repo.did = std::string(std::string_view(r["did"]));
            repo.head = std::string(std::string_view(r["head"]));
            repo.rev = std::string(std::string_view(r["rev"]));
            repo.active = bool(r["active"]);
            std::string_view status;
            if (r["status"].get(status) == simdjson::SUCCESS) repo.status = std::string(status);
            repos.push_back(std::move(repo));
        }
    }
    return repos;
}

std::optional<std::vector<std::byte>> repo_car(const std::string& did) {
    const auto path = capture("repos/" + did + ".car");
    if (!std::filesystem::exists(path)) return std::nullopt;
    std::ifstream in(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    std::vector<std::byte> bytes(text.size());
    std::memcpy(bytes.data(), text.data(), text.size());
    return bytes;
}

std::map<std::string, std::string> capture_handles() {
    simdjson::dom::parser parser;
    simdjson::dom::object h = parser.load(capture("plc/handles.json"));
    std::map<std::string, std::string> handles;
    for (auto [did, handle] : h) handles[std::string(did)] = std::string(std::string_view(handle));
    return handles;
}

std::string now_iso() {
    const auto now = std::chrono::system_clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    return fmt::format("{}.{:03}Z", text, ms);
}

std::map<std::string, std::string> reference_backfill_times() {
    const auto command = fmt::format("zcat '{}'", capture("reference-backfill.sql.gz"));
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
    if (!pipe) throw std::runtime_error("cannot run " + command);
    // INSERT INTO bsky.record (uri, cid, did, json, "indexedAt", …) VALUES (uri, cid, did, json, T, …
    static const std::regex row(
        R"(^INSERT INTO bsky\.record .* VALUES \('[^']*', '[^']*', '([^']*)', '(?:[^']|'')*', '([^']*)')");
    std::map<std::string, std::string> times;
    std::array<char, 1 << 16> buffer{};
    std::string line;
    while (fgets(buffer.data(), static_cast<int>(buffer.size()), pipe.get())) {
        line += buffer.data();
        if (line.empty() || line.back() != '\n') continue;
        std::smatch m;
        if (line.starts_with("INSERT INTO bsky.record ") && std::regex_search(line, m, row)) times[m[1]] = m[2];
        line.clear();
    }
    return times;
}

std::vector<stages::batch_write::RepoResult> backfill(const std::string& url, const std::vector<ListedRepo>& repos,
                                                      std::size_t batch_ops, const Clock& clock) {
    auto validator = atproto::lexicon::Validator::create_embedded();
    if (!validator) throw std::runtime_error("no validator");
    const stages::backfill::RepoClassifyConfig config;
    stages::backfill::RepoClassifier classifier(*validator, config);
    const auto handles = capture_handles();
    storage::pg::Connection conn(url);
    stages::batch_write::BatchApplier applier(conn);
    std::vector<stages::batch_write::RepoResult> results;
    std::vector<StagedOp> batch;
    auto flush = [&] {
        auto result = applier.apply(batch, {});
        for (auto& r : result.repos) results.push_back(std::move(r));
        batch.clear();
    };
    auto push = [&](StagedOp&& op) {
        batch.push_back(std::move(op));
        if (batch.size() >= batch_ops) flush();
    };
    for (const auto& listed : repos) {
        const auto t = clock ? clock(listed.did) : now_iso();
        StagedOp actor;
        actor.kind = OpKind::actor;
        actor.did = listed.did;
        actor.time = t;
        if (auto it = handles.find(listed.did); it != handles.end()) actor.extra = it->second;
        push(std::move(actor));
        if (const auto car = repo_car(listed.did)) {
            auto summary = classifier.classify({listed.did, *car, t, nullptr}, push);
            if (!summary) throw std::runtime_error(listed.did + ": " + summary.error().detail);
        } else if (!listed.active) {
            StagedOp status;
            status.kind = OpKind::repo_status;
            status.did = listed.did;
            status.cid = listed.head;
            status.rev = listed.rev;
            status.extra = listed.status;
            push(std::move(status));
        }
    }
    flush();
    return results;
}

stages::batch_write::BatchResult apply(const std::string& url, const std::vector<StagedOp>& ops) {
    storage::pg::Connection conn(url);
    stages::batch_write::BatchApplier applier(conn);
    return applier.apply(ops, {});
}

}  // namespace test_backfill
