// An spdlog sink that keeps the last N log lines at warn level or above, for the dashboard and
// /api/status. Identical consecutive lines (same component and message) fold into one with a count.
// Add it next to the stdout sink (spdlog::sinks::dist_sink_mt) when building common::Log.
// Thread-safety: spdlog calls it from any thread (base_sink's mutex); snapshot() from any thread.
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <vector>

#include <spdlog/sinks/base_sink.h>

#include "ops/daemon_status.hpp"

namespace ops {

class RecentErrorsSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    explicit RecentErrorsSink(std::size_t capacity = 50);

    // Oldest first.
    [[nodiscard]] std::vector<LogLine> snapshot();

protected:
    void sink_it_(const spdlog::details::log_msg& message) override;
    void flush_() override {}

private:
    std::size_t capacity_;
    std::deque<LogLine> lines_;
};

}  // namespace ops
