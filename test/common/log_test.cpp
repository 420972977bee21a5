#include "common/log.hpp"

#include <catch2/catch.hpp>
#include <spdlog/sinks/dup_filter_sink.h>
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

TEST_CASE("a line repeated in a burst is written once and then counted", "[common][log]") {
    std::ostringstream out;
    auto filter = std::make_shared<spdlog::sinks::dup_filter_sink_mt>(std::chrono::seconds(10));
    filter->add_sink(std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
    common::Log log(spdlog::level::info, filter);
    auto writer = log.component("batch_write");
    for (int i = 0; i < 1000; ++i) writer->error("batch refused: connection lost");
    writer->info("connected again");
    const auto text = out.str();
    std::size_t lines = 0;
    for (char c : text) lines += c == '\n';
    CHECK(lines == 3);  // the first error, "Skipped 999 duplicate messages..", the next line
    CHECK(text.find("999") != std::string::npos);
    CHECK(text.find("connected again") != std::string::npos);
}
