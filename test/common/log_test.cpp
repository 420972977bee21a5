#include "common/log.hpp"

#include <catch2/catch.hpp>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

TEST_CASE("log level accepts plain words and RUST_LOG lists", "[common][log]") {
    CHECK(common::parse_log_level("debug") == spdlog::level::debug);
    CHECK(common::parse_log_level("WARN") == spdlog::level::warn);
    CHECK(common::parse_log_level("wintermute=trace,info") == spdlog::level::info);
    CHECK_FALSE(common::parse_log_level("loud").has_value());
    CHECK_FALSE(common::parse_log_level("").has_value());
}

TEST_CASE("component loggers write level and component on one line", "[common][log]") {
    std::ostringstream out;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
    common::Log log(spdlog::level::info, sink);
    auto decode = log.component("decode");
    decode->debug("hidden");
    decode->warn("bad frame at {}", 12);
    const auto text = out.str();
    CHECK(text.find("hidden") == std::string::npos);
    CHECK(text.find("warning decode: bad frame at 12") != std::string::npos);
}
