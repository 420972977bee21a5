#include "atproto/crypto/base58.hpp"

#include "common/alphabet.hpp"

#include <array>

namespace atproto::crypto {

namespace {

constexpr std::string_view alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

// Inverse of `alphabet`; -1 for bytes outside it.
constexpr auto digits = common::inverse_alphabet(alphabet);

}  // namespace

// Schoolbook base conversion: every leading '1' is a zero byte, the rest is a
// big-endian base-58 number rewritten in base 256.
std::optional<std::vector<std::uint8_t>> base58_decode(std::string_view text) {
    if (text.size() > max_base58_length) return std::nullopt;
    std::size_t zeros = 0;
    while (zeros < text.size() && text[zeros] == '1') ++zeros;
    std::vector<std::uint8_t> number;  // little-endian base 256
    number.reserve(text.size());
    for (std::size_t i = zeros; i < text.size(); ++i) {
        const int digit = digits[static_cast<unsigned char>(text[i])];
        if (digit < 0) return std::nullopt;
        unsigned carry = static_cast<unsigned>(digit);
        for (auto& byte : number) {
            carry += static_cast<unsigned>(byte) * 58;
            byte = static_cast<std::uint8_t>(carry & 0xff);
            carry >>= 8;
        }
        for (; carry > 0; carry >>= 8) number.push_back(static_cast<std::uint8_t>(carry & 0xff));
    }
    std::vector<std::uint8_t> out(zeros, 0);
    out.insert(out.end(), number.rbegin(), number.rend());
    return out;
}

std::string base58_encode(std::span<const std::uint8_t> bytes) {
    std::size_t zeros = 0;
    while (zeros < bytes.size() && bytes[zeros] == 0) ++zeros;
    std::vector<std::uint8_t> number;  // little-endian base 58
    number.reserve(bytes.size() * 138 / 100 + 1);
    for (std::size_t i = zeros; i < bytes.size(); ++i) {
        unsigned carry = bytes[i];
        for (auto& digit : number) {
            carry += static_cast<unsigned>(digit) << 8;
            digit = static_cast<std::uint8_t>(carry % 58);
            carry /= 58;
        }
        for (; carry > 0; carry /= 58) number.push_back(static_cast<std::uint8_t>(carry % 58));
    }
    std::string out(zeros, '1');
    for (auto it = number.rbegin(); it != number.rend(); ++it) out.push_back(alphabet[*it]);
    return out;
}

}  // namespace atproto::crypto
