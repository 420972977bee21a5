// Big-endian uint64 keys: LMDB orders keys by memcmp, so big-endian sequence numbers sort in numeric (FIFO) order.
// Thread-safety: plain functions.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace storage::spill {

using Key64 = std::array<std::byte, 8>;

inline void put_u64(std::span<std::byte, 8> out, std::uint64_t value) noexcept {
    for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<std::byte>(value >> (56 - 8 * i));
}

inline Key64 encode_u64(std::uint64_t value) noexcept {
    Key64 key{};
    put_u64(key, value);
    return key;
}

// Reads the first 8 bytes; callers check the size.
inline std::uint64_t decode_u64(std::span<const std::byte> bytes) noexcept {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < 8; ++i) value = (value << 8) | std::to_integer<std::uint64_t>(bytes[i]);
    return value;
}

}  // namespace storage::spill
