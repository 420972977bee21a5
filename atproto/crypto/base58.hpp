// Base58 (Bitcoin alphabet) as used by multibase `z…` strings in did:key and
// publicKeyMultibase. Pure functions: thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace atproto::crypto {

// nullopt on a character outside the alphabet or input longer than max_base58_length.
[[nodiscard]] std::optional<std::vector<std::uint8_t>> base58_decode(std::string_view text);
[[nodiscard]] std::string base58_encode(std::span<const std::uint8_t> bytes);

// Keys are < 100 bytes; the bound keeps the quadratic conversion cheap on hostile input.
inline constexpr std::size_t max_base58_length = 512;

}  // namespace atproto::crypto
