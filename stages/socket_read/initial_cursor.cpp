#include "stages/socket_read/initial_cursor.hpp"

#include <charconv>

#include <fmt/format.h>

namespace stages::socket_read {

common::Result<std::optional<std::int64_t>> parse_initial_cursor(std::string_view text) {
    if (text == "live") return std::optional<std::int64_t>{};
    if (text == "oldest") return std::optional<std::int64_t>{0};
    std::int64_t value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end || value < 0) {
        return common::fail(fmt::format("FIREHOSE_INITIAL_CURSOR '{}': expected live, oldest or a seq", text));
    }
    return std::optional<std::int64_t>{value};
}

}  // namespace stages::socket_read
