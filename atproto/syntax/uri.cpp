#include "atproto/syntax/uri.hpp"

#include "atproto/syntax/ascii.hpp"

namespace atproto::syntax {

namespace {

constexpr std::size_t max_scheme_length = 81;

constexpr bool is_scheme_char(char c) noexcept {
    return ascii::is_lower(c) || ascii::is_digit(c) || c == '+' || c == '-' || c == '.';
}

// Visible ASCII: no space, no control characters, no bytes >= 0x80.
constexpr bool is_graphic(char c) noexcept { return c > 0x20 && c < 0x7f; }

}  // namespace

bool is_valid_uri(std::string_view s) noexcept {
    if (s.size() > max_uri_length || s.empty() || !ascii::is_lower(s.front())) return false;
    const auto colon = s.find(':');
    if (colon == std::string_view::npos || colon > max_scheme_length || colon + 1 == s.size()) return false;
    for (std::size_t i = 1; i < colon; ++i) {
        if (!is_scheme_char(s[i])) return false;
    }
    for (std::size_t i = colon + 1; i < s.size(); ++i) {
        if (!is_graphic(s[i])) return false;
    }
    return true;
}

}  // namespace atproto::syntax
