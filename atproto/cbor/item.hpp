// One decoded DAG-CBOR item head as the pull reader returns it: scalars carry their value,
// strings and links are views into the input buffer, containers carry their element count.
// Thread-safety: plain value; the views live as long as the input buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace atproto::cbor {

// The atproto data model's kinds; a CID link (tag 42) is its own kind, not a tag + bytes.
enum class Kind : std::uint8_t { integer, bytes, text, array, map, boolean, null, link };

[[nodiscard]] std::string_view to_string(Kind kind) noexcept;

struct Item {
    Kind kind = Kind::null;
    std::size_t offset = 0;      // where the item's head byte is in the input
    std::int64_t integer = 0;    // integer value; 0/1 for booleans
    std::uint64_t count = 0;     // array elements or map entries (key/value pairs)
    std::span<const std::byte> bytes;  // byte string, or a link's binary CID (without the 0x00 prefix)
    std::string_view text;       // text string (validated UTF-8)
};

// Limits of the atproto data model profile.
inline constexpr std::size_t max_depth = 32;
inline constexpr std::uint64_t max_container_size = 131072;
inline constexpr std::size_t max_cid_size = 100;

}  // namespace atproto::cbor
