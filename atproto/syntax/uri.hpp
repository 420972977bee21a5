// Generic URI check for lexicon `format: uri`: `scheme:rest` with an RFC 3986-style
// lower-case scheme and a non-empty rest of visible ASCII, <= 8 KiB. Pure: thread-safe.
#pragma once

#include <string_view>

namespace atproto::syntax {

inline constexpr std::size_t max_uri_length = 8192;

[[nodiscard]] bool is_valid_uri(std::string_view s) noexcept;

}  // namespace atproto::syntax
