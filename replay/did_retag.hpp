// Same-length rewriting of did:plc identifiers inside raw frame bytes, so that a repeated capture
// can stand for distinct repos (the live benchmark). Lengths never change, so every CBOR length
// around them stays valid; block hashes do change (CID checks must be off to read the result).
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace replay {

// The characters retag_plc_dids replaces at the end of an identifier, and the distinct tags that
// gives (three base32 characters: 32,768 copies of a capture).
inline constexpr std::size_t plc_tag_length = 3;
inline constexpr std::uint32_t plc_tag_count = 32 * 32 * 32;

// Offsets of every `did:plc:` + 24 base32 characters ([a-z2-7]). What follows does not matter: in
// CBOR the next byte is the head of the next item, often a letter (0x63 'c' heads "seq").
[[nodiscard]] std::vector<std::size_t> find_plc_dids(std::span<const std::byte> bytes);

// Replaces the last plc_tag_length characters of each such identifier with `tag` in base32
// (< plc_tag_count; bugs throw). Identifiers that differ before those characters stay
// distinct; the same identifier gets the same result everywhere.
void retag_plc_dids(std::span<std::byte> bytes, std::uint32_t tag);

}  // namespace replay
