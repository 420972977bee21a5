// Syntax validators for the atproto identifiers (DID, handle, NSID, at-identifier,
// record key, CID string) and handle normalisation. Hand-written scanners, no
// allocation, no regex. Pure functions: thread-safe. Rules: docs/atproto-identity.md.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace atproto::syntax {

inline constexpr std::size_t max_did_length = 2048;
inline constexpr std::size_t max_handle_length = 253;
inline constexpr std::size_t max_nsid_length = 317;
inline constexpr std::size_t max_record_key_length = 512;

// `did:<method [a-z]+>:<id [A-Za-z0-9._:%-]+>`, id not ending in ':' or '%'.
[[nodiscard]] bool is_valid_did(std::string_view s) noexcept;
// Domain name of >= 2 labels, TLD starting with a letter, <= 253 chars.
[[nodiscard]] bool is_valid_handle(std::string_view s) noexcept;
// Reversed domain authority (>= 2 labels, first starts with a letter) + name [A-Za-z][A-Za-z0-9]*.
[[nodiscard]] bool is_valid_nsid(std::string_view s) noexcept;
// Handle or DID.
[[nodiscard]] bool is_valid_at_identifier(std::string_view s) noexcept;
// 1-512 of [A-Za-z0-9._:~-], except "." and "..".
[[nodiscard]] bool is_valid_record_key(std::string_view s) noexcept;
// Loose multibase CID string check (8-256 of [A-Za-z0-9+=]); CIDv0 (`Qm…`, 46 chars) rejected.
[[nodiscard]] bool is_valid_cid(std::string_view s) noexcept;

// Lower-cased handle, or nullopt when `s` is not a valid handle.
[[nodiscard]] std::optional<std::string> normalize_handle(std::string_view s);

}  // namespace atproto::syntax
