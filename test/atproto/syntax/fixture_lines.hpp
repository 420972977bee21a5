// Reads the interop syntax fixture files (one case per line, '#' comments, blank lines
// skipped, no trimming) and checks a validator against every line of one file.
#pragma once

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace test_syntax {

struct FixtureLine {
    std::size_t number;
    std::string text;
};

inline std::vector<FixtureLine> fixture_lines(const std::string& file) {
    const char* shared = std::getenv("WINTERMUTE_SHARED");
    REQUIRE(shared != nullptr);
    const std::string path = std::string(shared) + "/fixtures/atproto-interop-tests/syntax/" + file;
    std::ifstream in(path, std::ios::binary);
    INFO("fixture " << path);
    REQUIRE(in.good());
    std::vector<FixtureLine> lines;
    std::string line;
    for (std::size_t number = 1; std::getline(in, line); ++number) {
        if (line.empty() || line.front() == '#') continue;
        lines.push_back({number, line});
    }
    REQUIRE_FALSE(lines.empty());
    return lines;
}

// Every case line of `file` must give `expected`; each failing line is reported.
template <class Validator>
void check_fixture(const std::string& file, Validator&& validator, bool expected) {
    std::size_t failures = 0;
    for (const auto& [number, text] : fixture_lines(file)) {
        if (static_cast<bool>(validator(text)) != expected) {
            ++failures;
            FAIL_CHECK(file << ":" << number << " [" << text.substr(0, 120) << "] should be "
                            << (expected ? "accepted" : "rejected"));
        }
    }
    CHECK(failures == 0);
}

}  // namespace test_syntax
