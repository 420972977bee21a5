// Unsigned LEB128 varints (CAR section lengths, CID fields). Thread-safe (pure, inline).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace atproto {

enum class VarintStatus : std::uint8_t { ok, truncated, overflow };

// Reads a varint at `pos`, advancing it. More than 9 bytes (over 63 bits) is an overflow.
[[nodiscard]] inline VarintStatus read_varint(std::span<const std::byte> in, std::size_t& pos,
                                              std::uint64_t& out) noexcept {
    out = 0;
    for (unsigned shift = 0; shift < 63; shift += 7) {
        if (pos >= in.size()) return VarintStatus::truncated;
        const auto byte = static_cast<std::uint8_t>(in[pos++]);
        out |= std::uint64_t{byte & 0x7fu} << shift;
        if ((byte & 0x80) == 0) return VarintStatus::ok;
    }
    return VarintStatus::overflow;
}

}  // namespace atproto
