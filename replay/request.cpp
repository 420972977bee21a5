#include "replay/request.hpp"

#include <charconv>

#include <fmt/format.h>

namespace replay {

common::Result<std::optional<std::int64_t>> cursor_param(const HttpRequest& request) {
    const auto text = request.param("cursor");
    if (!text) return std::optional<std::int64_t>{};
    std::int64_t value = 0;
    const auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (text->empty() || ec != std::errc{} || ptr != text->data() + text->size() || value < 0) {
        return common::fail(fmt::format("bad cursor '{}'", *text));
    }
    return std::optional<std::int64_t>{value};
}

}  // namespace replay
