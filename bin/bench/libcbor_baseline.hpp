// The libcbor baseline of the decode benchmark: the same work as the wintermute decoder
// (CAR framing, CID checks, block index, commit, MST walk, record decode; DAG-CBOR → JSON) but
// with every CBOR value parsed through libcbor's tree API (cbor_load). Thread-safety: pure.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>

namespace bench::libcbor {

// Decodes a repo CAR and every record in it; the record count, or nullopt on any error.
[[nodiscard]] std::optional<std::size_t> decode_repo(std::span<const std::byte> car, bool verify_hashes);
// Appends the atproto JSON form of one DAG-CBOR value; false on error.
[[nodiscard]] bool to_json(std::span<const std::byte> cbor, std::string& out);

}  // namespace bench::libcbor
