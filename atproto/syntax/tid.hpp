// TID ("timestamp identifier"): 13 chars of base32-sortable that encode a 64-bit
// integer = microseconds since the Unix epoch << 10 | clock id. Pure functions: thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace atproto::syntax {

inline constexpr std::size_t tid_length = 13;
inline constexpr std::uint64_t max_tid_micros = (std::uint64_t{1} << 53) - 1;
inline constexpr std::uint32_t max_tid_clock_id = 1023;

struct TidValue {
    std::uint64_t micros = 0;    // microseconds since 1970-01-01T00:00:00Z
    std::uint32_t clock_id = 0;  // 0..1023
    [[nodiscard]] constexpr std::uint64_t packed() const noexcept { return micros << 10 | clock_id; }
    [[nodiscard]] static constexpr TidValue unpack(std::uint64_t v) noexcept {
        return {v >> 10, static_cast<std::uint32_t>(v & 0x3ff)};
    }
    friend constexpr bool operator==(TidValue, TidValue) = default;
};

// 13 chars of `234567abcdefghijklmnopqrstuvwxyz`, the first one of `234567abcdefghij`.
[[nodiscard]] bool is_valid_tid(std::string_view s) noexcept;

// nullopt when `s` is not a valid TID. A first char of c..j (allowed by the syntax) sets
// bit 63, so `micros` can then exceed max_tid_micros.
[[nodiscard]] std::optional<TidValue> decode_tid(std::string_view s) noexcept;

// Throws std::invalid_argument when micros > max_tid_micros or clock_id > max_tid_clock_id
// (a caller bug: clocks never get there).
[[nodiscard]] std::string encode_tid(TidValue value);

}  // namespace atproto::syntax
