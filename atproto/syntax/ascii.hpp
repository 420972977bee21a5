// ASCII character classes shared by the identifier scanners. Locale-free and
// constexpr so the scanners stay branch-light. Pure functions: thread-safe.
#pragma once

#include <string_view>

namespace atproto::syntax::ascii {

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool is_lower(char c) noexcept { return c >= 'a' && c <= 'z'; }
constexpr bool is_upper(char c) noexcept { return c >= 'A' && c <= 'Z'; }
constexpr bool is_alpha(char c) noexcept { return is_lower(c) || is_upper(c); }
constexpr bool is_alnum(char c) noexcept { return is_alpha(c) || is_digit(c); }
constexpr char to_lower(char c) noexcept { return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

// A DNS label in the "preferred name syntax" with digits allowed first (RFC 1123):
// 1-63 of [A-Za-z0-9-], not starting or ending with '-'.
constexpr bool is_dns_label(std::string_view label) noexcept {
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
        if (!is_alnum(c) && c != '-') return false;
    }
    return true;
}

// Case-insensitive equality of two ASCII strings.
constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (to_lower(a[i]) != to_lower(b[i])) return false;
    }
    return true;
}

}  // namespace atproto::syntax::ascii
