// Test fixtures around the replay server: load captures, serve them in-process, and a SocketReader
// client bundled with its metrics, collector and a settable cursor.
#pragma once

#include <atomic>
#include <memory>
#include <optional>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "common/log.hpp"
#include "replay/capture.hpp"
#include "replay/replay_server.hpp"
#include "stages/socket_read/socket_reader.hpp"
#include "test/support/fixtures.hpp"
#include "test/support/frame_collector.hpp"

namespace test_support {

inline std::shared_ptr<spdlog::logger> quiet_log(const char* name) {
    static const common::Log log(spdlog::level::warn);
    return log.component(name);
}

inline std::vector<replay::CapturedFrame> capture(const std::string& relative) {
    auto frames = replay::load_capture(shared_path(relative));
    REQUIRE(frames.has_value());
    return std::move(*frames);
}

inline std::unique_ptr<replay::ReplayServer> serve(replay::ReplayStreams streams,
                                                   replay::ReplayServerConfig config = {}) {
    auto server = replay::ReplayServer::start(config, std::move(streams), {}, quiet_log("replay"));
    REQUIRE(server.has_value());
    return std::move(*server);
}

inline stages::socket_read::SocketReadConfig fast_config() {
    using namespace std::chrono_literals;
    stages::socket_read::SocketReadConfig config;
    config.idle_timeout = 5'000ms;
    config.backoff_initial = 50ms;
    config.backoff_max = 400ms;
    return config;
}

// A reader plus what a test wants to see of it. The cursor given to the relay is `cursor` when
// set (>= 0), none otherwise, unless `cursor_source` overrides.
struct Client {
    stages::socket_read::SocketReadMetrics metrics;
    FrameCollector collector;
    std::atomic<std::int64_t> cursor{-1};
    std::atomic<std::size_t> reads_done{0};
    std::atomic<std::size_t> frames_at_read_done{0};  // the collector's size at the last read_done
    stages::socket_read::SocketReader::CursorSource cursor_source;
    std::unique_ptr<stages::socket_read::SocketReader> reader;

    void start(std::uint16_t port, stages::socket_read::Stream stream = stages::socket_read::Stream::repos,
               const stages::socket_read::SocketReadConfig& config = fast_config()) {
        start(fmt::format("ws://127.0.0.1:{}", port), stream, config);
    }

    void start(const std::string& entry, stages::socket_read::Stream stream,
               const stages::socket_read::SocketReadConfig& config) {
        auto endpoint = stages::socket_read::parse_relay_endpoint(entry);
        REQUIRE(endpoint.has_value());
        auto source = cursor_source ? cursor_source : [this]() -> std::optional<std::int64_t> {
            const auto value = cursor.load();
            return value >= 0 ? std::optional<std::int64_t>(value) : std::nullopt;
        };
        auto started = stages::socket_read::SocketReader::start(
            std::move(*endpoint), stream, config,
            {std::move(source), [this](stages::socket_read::RawFrame&& frame, std::stop_token stop) {
                 collector.add(std::move(frame), stop);
             },
             [this] {
                 frames_at_read_done = collector.size();
                 ++reads_done;
             }},
            metrics, quiet_log("socket_read"));
        REQUIRE(started.has_value());
        reader = std::move(*started);
    }
};

inline std::vector<std::vector<std::byte>> bytes_of(const std::vector<replay::CapturedFrame>& frames,
                                                    std::size_t from = 0) {
    std::vector<std::vector<std::byte>> out;
    for (std::size_t i = from; i < frames.size(); ++i) out.push_back(frames[i].bytes);
    return out;
}

}  // namespace test_support
