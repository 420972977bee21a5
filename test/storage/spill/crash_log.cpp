#include "test/storage/spill/crash_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

namespace test_support {

CrashLogWriter::CrashLogWriter(const std::filesystem::path& path)
    : fd_(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_TRUNC, 0644)) {
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "open crash log");
}

void CrashLogWriter::begin(char kind, std::uint64_t op, const std::vector<std::uint64_t>& numbers) const {
    std::string line = std::string(1, kind) + "+ " + std::to_string(op);
    for (const auto n : numbers) line += " " + std::to_string(n);
    write_line(line + "\n");
}

void CrashLogWriter::done(char kind, std::uint64_t op) const {
    write_line(std::string(1, kind) + "= " + std::to_string(op) + "\n");
}

void CrashLogWriter::write_line(const std::string& line) const {
    if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
        throw std::system_error(errno, std::generic_category(), "write crash log");
    }
}

CrashLog CrashLog::read(const std::filesystem::path& path) {
    std::ifstream in(path);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::map<std::pair<char, std::uint64_t>, std::vector<std::uint64_t>> begun;
    std::set<std::pair<char, std::uint64_t>> finished;
    std::size_t start = 0;
    // A last line without its newline was cut by the kill; "+" lines are written before the operation starts,
    // so dropping it loses nothing the operation could have done.
    for (auto end = text.find('\n'); end != std::string::npos; start = end + 1, end = text.find('\n', start)) {
        std::istringstream line(text.substr(start, end - start));
        std::string tag;
        std::uint64_t op = 0;
        line >> tag >> op;
        if (tag[1] == '=') {
            finished.insert({tag[0], op});
            continue;
        }
        auto& numbers = begun[{tag[0], op}];
        for (std::uint64_t n = 0; line >> n;) numbers.push_back(n);
    }
    CrashLog log;
    for (const auto& [key, numbers] : begun) {
        const bool done = finished.count(key) != 0;
        auto& ops = key.first == 'P' ? log.push : key.first == 'A' ? log.ack : log.lease;
        ops.attempted.insert(numbers.begin(), numbers.end());
        if (done) ops.confirmed.insert(numbers.begin(), numbers.end());
        if (!done) ops.unfinished.push_back(numbers);
        for (const auto n : numbers) log.max_number = std::max(log.max_number, n);
    }
    return log;
}

}  // namespace test_support
