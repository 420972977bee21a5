#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "test/atproto/fixtures.hpp"

using namespace test_atproto;

namespace {

struct Run {
    int status;
    std::vector<std::string> lines;  // stdout
    std::string errors;              // stderr
};

Run inspect_frames(const std::string& file) {
    const char* bin = std::getenv("WINTERMUTE_BIN");
    REQUIRE(bin != nullptr);
    const auto errors = std::filesystem::temp_directory_path() / fmt::format("inspect_frames_{}.err", ::getpid());
    std::FILE* pipe = ::popen(fmt::format("'{}' inspect frames '{}' 2>'{}'", bin, file, errors.string()).c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string out;
    std::array<char, 65536> buf{};
    while (std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
    Run run{WEXITSTATUS(::pclose(pipe)), {}, read_text(errors.string())};
    std::filesystem::remove(errors);
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) run.lines.push_back(line);
    return run;
}

std::string link_or_null(simdjson::dom::element e) {
    return e.is_null() ? "null" : canonical(e);
}

}  // namespace

TEST_CASE("inspect frames prints every relay frame's header, body and op records as expected", "[bin][inspect]") {
    const auto run = inspect_frames(shared_path("fixtures/jetstream-corpus/frames.bin"));
    CHECK(run.status == 0);
    CHECK(run.errors.empty());
    simdjson::dom::parser expected_parser;
    const auto expected_text = read_text(shared_path("fixtures/jetstream-corpus/frames.expected.json"));
    auto expected = array(expected_parser.parse(expected_text)["frames"]);
    REQUIRE(run.lines.size() == expected.size());
    simdjson::dom::parser parser;
    std::size_t i = 0;
    std::size_t records = 0;
    for (simdjson::dom::element want : expected) {
        INFO("frame " << i);
        simdjson::dom::element got = parser.parse(run.lines[i]);
        CHECK(int64_t(got["index"]) == int64_t(i++));
        CHECK(canonical(got["header"]) == canonical(want["header"]));
        CHECK(canonical(got["body"]) == canonical(want["body"]));
        simdjson::dom::array want_ops;
        if (want["ops"].get(want_ops) != simdjson::SUCCESS) {
            CHECK(got["ops"].error() == simdjson::NO_SUCH_FIELD);
            continue;
        }
        auto got_ops = array(got["ops"]);
        REQUIRE(got_ops.size() == want_ops.size());
        std::size_t k = 0;
        for (simdjson::dom::element op : want_ops) {
            simdjson::dom::element mine = got_ops.at(k++);
            CHECK(std::string_view(mine["action"]) == std::string_view(op["action"]));
            CHECK(std::string_view(mine["path"]) == std::string_view(op["path"]));
            CHECK(canonical(mine["cid"]) == canonical(op["cid"]));
            simdjson::dom::element prev;
            if (op["prev"].get(prev) == simdjson::SUCCESS) CHECK(link_or_null(mine["prev"]) == link_or_null(prev));
            simdjson::dom::element record;
            if (op["record"].get(record) == simdjson::SUCCESS) {
                CHECK(canonical(mine["record"]) == canonical(record));
                ++records;
            } else {
                CHECK(mine["record"].is_null());
            }
        }
    }
    CHECK(records >= 146);
}

TEST_CASE("inspect frames reports a bad frame on stderr, prints the others and fails", "[bin][inspect]") {
    const auto frames = split_frames(read_bytes(shared_path("fixtures/jetstream-corpus/frames.bin")));
    const auto path = std::filesystem::temp_directory_path() / fmt::format("inspect_frames_{}.bin", ::getpid());
    {
        std::ofstream out(path, std::ios::binary);
        const auto write = [&out](std::span<const std::byte> frame) {
            const auto length = static_cast<std::uint32_t>(frame.size());
            out.write(reinterpret_cast<const char*>(&length), sizeof length);  // little-endian host
            out.write(reinterpret_cast<const char*>(frame.data()), static_cast<std::streamsize>(frame.size()));
        };
        write(frames[0]);
        write(std::span(frames[1]).first(frames[1].size() / 2));  // truncated body
        write(frames[2]);
    }
    const auto run = inspect_frames(path.string());
    std::filesystem::remove(path);
    CHECK(run.status == 1);
    CHECK(run.lines.size() == 2);
    CHECK(run.errors.find("frame 1: truncated") != std::string::npos);
    CHECK(std::count(run.errors.begin(), run.errors.end(), '\n') == 1);
}
