// Multibase text encodings used by atproto: base32 lower-case without padding (CID strings) and
// standard base64 without padding (`$bytes` in JSON). Appends to a caller's buffer. Thread-safe (pure).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace atproto {

void append_base32(std::string& out, std::span<const std::byte> data);
// Accepts only lower-case RFC 4648 base32 without padding; nullopt on any other character or
// on non-zero leftover bits.
[[nodiscard]] std::optional<std::vector<std::byte>> decode_base32(std::string_view text);

void append_base64(std::string& out, std::span<const std::byte> data);
// Standard alphabet; padding optional. Used by tests and tools, not on the hot path.
[[nodiscard]] std::optional<std::vector<std::byte>> decode_base64(std::string_view text);

}  // namespace atproto
