// CrashLog: what a killed child process logged about its spill operations, and what the parent can conclude.
// The child writes "P+ op n…" before push() and "P= op" after it returned (likewise "A+"/"A=" around ack()), each
// line with one write() to an O_APPEND file, which survives SIGKILL in the page cache. An operation with "+" but no
// "=" was cut by the kill: it may or may not have committed, but all-or-nothing. Thread-safety: one owner.
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace test_support {

// Child side: appends one line per call.
class CrashLogWriter {
public:
    explicit CrashLogWriter(const std::filesystem::path& path);
    void begin(char kind, std::uint64_t op, const std::vector<std::uint64_t>& numbers) const;
    void done(char kind, std::uint64_t op) const;

private:
    void write_line(const std::string& line) const;
    int fd_;
};

// Parent side: per kind ('P' push, 'A' ack, 'L' lease), the numbers begun, those whose operation returned, and
// the batches cut by the kill.
struct CrashOps {
    std::set<std::uint64_t> attempted;
    std::set<std::uint64_t> confirmed;
    std::vector<std::vector<std::uint64_t>> unfinished;
};

struct CrashLog {
    CrashOps push;
    CrashOps ack;
    CrashOps lease;
    std::uint64_t max_number = 0;

    static CrashLog read(const std::filesystem::path& path);
};

}  // namespace test_support
