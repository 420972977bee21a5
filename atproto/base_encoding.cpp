#include "atproto/base_encoding.hpp"

#include <array>
#include <cstdint>

namespace atproto {

namespace {

constexpr std::string_view base32_alphabet = "abcdefghijklmnopqrstuvwxyz234567";
constexpr std::string_view base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> reverse(std::string_view alphabet) {
    std::array<std::int8_t, 256> table{};
    for (auto& v : table) v = -1;
    for (std::size_t i = 0; i < alphabet.size(); ++i)
        table[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
    return table;
}

constexpr auto base32_reverse = reverse(base32_alphabet);
constexpr auto base64_reverse = reverse(base64_alphabet);

// Shared decoder for both alphabets: `bits` per character, leftover bits must be zero.
std::optional<std::vector<std::byte>> decode_bits(std::string_view text, const std::array<std::int8_t, 256>& table,
                                                  unsigned bits) {
    std::vector<std::byte> out;
    out.reserve(text.size() * bits / 8);
    std::uint32_t acc = 0;
    unsigned have = 0;
    for (char c : text) {
        const std::int8_t v = table[static_cast<unsigned char>(c)];
        if (v < 0) return std::nullopt;
        acc = (acc << bits) | static_cast<std::uint32_t>(v);
        have += bits;
        if (have >= 8) {
            have -= 8;
            out.push_back(static_cast<std::byte>((acc >> have) & 0xff));
        }
    }
    if (have >= bits || (acc & ((1u << have) - 1)) != 0) return std::nullopt;
    return out;
}

}  // namespace

void append_base32(std::string& out, std::span<const std::byte> data) {
    std::uint64_t acc = 0;
    unsigned have = 0;
    for (std::byte b : data) {
        acc = (acc << 8) | static_cast<std::uint8_t>(b);
        have += 8;
        while (have >= 5) {
            have -= 5;
            out.push_back(base32_alphabet[(acc >> have) & 31]);
        }
    }
    if (have > 0) out.push_back(base32_alphabet[(acc << (5 - have)) & 31]);
}

std::optional<std::vector<std::byte>> decode_base32(std::string_view text) {
    return decode_bits(text, base32_reverse, 5);
}

void append_base64(std::string& out, std::span<const std::byte> data) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(data.data());
    std::size_t n = data.size();
    std::size_t i = 0;
    const std::size_t start = out.size();
    out.resize(start + (n * 4 + 2) / 3);
    char* o = out.data() + start;
    for (; i + 3 <= n; i += 3) {
        const std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8) | p[i + 2];
        *o++ = base64_alphabet[v >> 18];
        *o++ = base64_alphabet[(v >> 12) & 63];
        *o++ = base64_alphabet[(v >> 6) & 63];
        *o++ = base64_alphabet[v & 63];
    }
    if (n - i == 1) {
        const std::uint32_t v = std::uint32_t{p[i]} << 16;
        *o++ = base64_alphabet[v >> 18];
        *o++ = base64_alphabet[(v >> 12) & 63];
    } else if (n - i == 2) {
        const std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8);
        *o++ = base64_alphabet[v >> 18];
        *o++ = base64_alphabet[(v >> 12) & 63];
        *o++ = base64_alphabet[(v >> 6) & 63];
    }
}

std::optional<std::vector<std::byte>> decode_base64(std::string_view text) {
    while (!text.empty() && text.back() == '=') text.remove_suffix(1);
    return decode_bits(text, base64_reverse, 6);
}

}  // namespace atproto
