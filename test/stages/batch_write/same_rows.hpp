// same_rows: whether two databases hold the same dataplane rows, `indexedAt` included, by the
// project's compare tool (WINTERMUTE_COMPARE_TOOL); its report goes to `log` and, on a difference,
// to the test's output. For tests that write the same events two ways.
#pragma once

#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>
#include <fmt/core.h>

#include "storage/pg/connection.hpp"

namespace test_support {

inline bool same_rows(const std::string& a_url, const std::string& b_url, const std::string& log) {
    // The migration bookkeeping records when each database was migrated: not a difference.
    for (const auto& url : {a_url, b_url}) storage::pg::Connection(url).exec("DELETE FROM bsky.wintermute_migration");
    const char* tool = std::getenv("WINTERMUTE_COMPARE_TOOL");
    REQUIRE(tool != nullptr);
    const auto command = fmt::format("python3 '{}' db '{}' '{}' --with-indexed-at > {} 2>&1 || (cat {}; exit 1)", tool,
                                     a_url, b_url, log, log);
    return std::system(command.c_str()) == 0;
}

}  // namespace test_support
