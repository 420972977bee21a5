#include "atproto/syntax/tid.hpp"

#include "common/alphabet.hpp"

#include <array>
#include <stdexcept>

namespace atproto::syntax {

namespace {

constexpr std::string_view alphabet = "234567abcdefghijklmnopqrstuvwxyz";

// Inverse of `alphabet`; -1 for bytes outside it.
constexpr auto digits = common::inverse_alphabet(alphabet);

constexpr int digit(char c) noexcept { return digits[static_cast<unsigned char>(c)]; }

}  // namespace

bool is_valid_tid(std::string_view s) noexcept { return decode_tid(s).has_value(); }

std::optional<TidValue> decode_tid(std::string_view s) noexcept {
    if (s.size() != tid_length) return std::nullopt;
    const int first = digit(s[0]);
    if (first < 0 || first >= 16) return std::nullopt;
    std::uint64_t value = static_cast<std::uint64_t>(first);
    for (std::size_t i = 1; i < tid_length; ++i) {
        const int d = digit(s[i]);
        if (d < 0) return std::nullopt;
        value = value << 5 | static_cast<std::uint64_t>(d);
    }
    return TidValue::unpack(value);
}

std::string encode_tid(TidValue value) {
    if (value.micros > max_tid_micros || value.clock_id > max_tid_clock_id) {
        throw std::invalid_argument("encode_tid: micros or clock id out of range");
    }
    std::uint64_t packed = value.packed();
    std::string out(tid_length, '2');
    for (std::size_t i = tid_length; i-- > 0;) {
        out[i] = alphabet[packed & 31];
        packed >>= 5;
    }
    return out;
}

}  // namespace atproto::syntax
