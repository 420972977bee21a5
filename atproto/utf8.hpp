// Strict UTF-8 validation (no overlong forms, no surrogates, nothing above U+10FFFF), with an
// 8-bytes-at-a-time ASCII fast path because record text is mostly ASCII. Thread-safe (pure).
#pragma once

#include <cstddef>
#include <string_view>

namespace atproto {

// Offset of the first byte of the first invalid sequence, or text.size() when all valid.
[[nodiscard]] std::size_t find_invalid_utf8(std::string_view text) noexcept;

[[nodiscard]] inline bool valid_utf8(std::string_view text) noexcept {
    // Most strings are short ASCII keys and values: check those without a call.
    if (text.size() <= 16) {
        unsigned char any = 0;
        for (char c : text) any |= static_cast<unsigned char>(c);
        if (any < 0x80) return true;
    }
    return find_invalid_utf8(text) == text.size();
}

}  // namespace atproto
