#include "ops/recent_errors_sink.hpp"

#include <chrono>
#include <string>

namespace ops {

RecentErrorsSink::RecentErrorsSink(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {
    // The sink's own level: the loggers feeding it may be at debug for stdout.
    set_level(spdlog::level::warn);
}

std::vector<LogLine> RecentErrorsSink::snapshot() {
    std::lock_guard lock(mutex_);
    return {lines_.begin(), lines_.end()};
}

void RecentErrorsSink::sink_it_(const spdlog::details::log_msg& message) {
    const std::string_view component(message.logger_name.data(), message.logger_name.size());
    const std::string_view text(message.payload.data(), message.payload.size());
    const double unix_time = std::chrono::duration<double>(message.time.time_since_epoch()).count();
    if (!lines_.empty() && lines_.back().component == component && lines_.back().message == text) {
        ++lines_.back().repeats;
        lines_.back().unix_time = unix_time;
        return;
    }
    const auto level = spdlog::level::to_string_view(message.level);
    lines_.push_back(LogLine{unix_time, std::string(level.data(), level.size()), std::string(component),
                             std::string(text), 1});
    while (lines_.size() > capacity_) lines_.pop_front();
}

}  // namespace ops
