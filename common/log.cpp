#include "common/log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/dup_filter_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <cctype>
#include <string>

namespace common {

std::optional<spdlog::level::level_enum> parse_log_level(std::string_view text) {
    // RUST_LOG is a comma list of `level` or `target=level`; take the first bare level.
    while (!text.empty()) {
        const auto comma = text.find(',');
        std::string_view part = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        if (part.find('=') != std::string_view::npos) continue;
        std::string word(part);
        for (auto& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (word == "trace") return spdlog::level::trace;
        if (word == "debug") return spdlog::level::debug;
        if (word == "info") return spdlog::level::info;
        if (word == "warn" || word == "warning") return spdlog::level::warn;
        if (word == "error") return spdlog::level::err;
        if (word == "off") return spdlog::level::off;
        return std::nullopt;
    }
    return std::nullopt;
}

spdlog::sink_ptr rate_limited_stdout(std::chrono::seconds window) {
    auto sink = std::make_shared<spdlog::sinks::dup_filter_sink_mt>(window);
    sink->add_sink(std::make_shared<spdlog::sinks::stdout_sink_mt>());
    return sink;
}

Log::Log(spdlog::level::level_enum level) : Log(level, rate_limited_stdout()) {}

Log::Log(spdlog::level::level_enum level, spdlog::sink_ptr sink)
    : level_(level), sink_(std::move(sink)) {
    // UTC timestamps so logs from several hosts line up.
    sink_->set_formatter(std::make_unique<spdlog::pattern_formatter>(
        "%Y-%m-%dT%H:%M:%S.%eZ %-7l %n: %v", spdlog::pattern_time_type::utc));
}

std::shared_ptr<spdlog::logger> Log::component(std::string_view name) const {
    auto logger = std::make_shared<spdlog::logger>(std::string(name), sink_);
    logger->set_level(level_);
    logger->flush_on(spdlog::level::warn);
    return logger;
}

}  // namespace common
