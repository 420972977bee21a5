#include "ops/recent_errors_sink.hpp"

#include <catch2/catch.hpp>
#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

#include "common/log.hpp"

TEST_CASE("the recent errors sink keeps warnings and errors, not info", "[ops][recent_errors_sink]") {
    auto sink = std::make_shared<ops::RecentErrorsSink>(10);
    common::Log log(spdlog::level::debug, sink);
    auto decode = log.component("decode");
    decode->info("fine");
    decode->debug("chatty");
    decode->warn("bad frame at {}", 12);
    log.component("batch_write")->error("commit failed");
    const auto lines = sink->snapshot();
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].level == "warning");
    CHECK(lines[0].component == "decode");
    CHECK(lines[0].message == "bad frame at 12");
    CHECK(lines[1].level == "error");
    CHECK(lines[1].component == "batch_write");
    CHECK(lines[1].unix_time > 1.6e9);
}

TEST_CASE("the recent errors sink keeps only the newest lines", "[ops][recent_errors_sink]") {
    auto sink = std::make_shared<ops::RecentErrorsSink>(3);
    common::Log log(spdlog::level::info, sink);
    auto logger = log.component("x");
    for (int i = 0; i < 5; ++i) logger->error("error {}", i);
    const auto lines = sink->snapshot();
    REQUIRE(lines.size() == 3);
    CHECK(lines[0].message == "error 2");
    CHECK(lines[2].message == "error 4");
}

TEST_CASE("the recent errors sink folds identical consecutive lines", "[ops][recent_errors_sink]") {
    auto sink = std::make_shared<ops::RecentErrorsSink>(3);
    common::Log log(spdlog::level::info, sink);
    auto logger = log.component("socket_read");
    for (int i = 0; i < 4; ++i) logger->warn("relay.test: connection refused");
    log.component("decode")->warn("relay.test: connection refused");
    const auto lines = sink->snapshot();
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].repeats == 4);
    CHECK(lines[1].component == "decode");
    CHECK(lines[1].repeats == 1);
}

TEST_CASE("the recent errors sink works next to stdout through a dist sink", "[ops][recent_errors_sink]") {
    std::ostringstream out;
    auto recent = std::make_shared<ops::RecentErrorsSink>(5);
    auto both = std::make_shared<spdlog::sinks::dist_sink_mt>(
        std::vector<spdlog::sink_ptr>{std::make_shared<spdlog::sinks::ostream_sink_mt>(out), recent});
    common::Log log(spdlog::level::info, both);
    log.component("ops")->info("serving");
    log.component("ops")->warn("slow scrape");
    CHECK(out.str().find("serving") != std::string::npos);
    CHECK(out.str().find("slow scrape") != std::string::npos);
    REQUIRE(recent->snapshot().size() == 1);
    CHECK(recent->snapshot()[0].message == "slow scrape");
}
