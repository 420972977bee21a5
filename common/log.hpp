// Logging: one spdlog sink shared by named component loggers. A `Log` is made
// once in main and passed down; components keep the `spdlog::logger` it hands
// out. Thread-safety: loggers and the sink are safe to use from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string_view>

#include <spdlog/spdlog.h>

namespace common {

// Parses a level word ("trace", "debug", "info", "warn", "error", "off").
// RUST_LOG-style values ("info,wintermute=debug") give their first bare level.
[[nodiscard]] std::optional<spdlog::level::level_enum> parse_log_level(std::string_view text);

// The daemon's stdout sink: repeats of the same line within `window` are folded into one line
// with a count, so a failure that repeats every millisecond cannot flood the log.
[[nodiscard]] spdlog::sink_ptr rate_limited_stdout(std::chrono::seconds window = std::chrono::seconds(10));

class Log {
public:
    // Writes to stdout, one line per event: time, level, component, message. A line repeated
    // within 10 s is written once, then "Skipped N duplicate messages" (rate-limited with a count).
    explicit Log(spdlog::level::level_enum level);
    // For tests: write into the given sink instead of stdout.
    Log(spdlog::level::level_enum level, spdlog::sink_ptr sink);

    [[nodiscard]] std::shared_ptr<spdlog::logger> component(std::string_view name) const;
    [[nodiscard]] spdlog::level::level_enum level() const noexcept { return level_; }

private:
    spdlog::level::level_enum level_;
    spdlog::sink_ptr sink_;
};

}  // namespace common
