// The signed repo commit (v3, and legacy v2 without `rev`): decoding into views of the block,
// and the bytes that were signed (the commit map re-encoded without `sig`).
// Thread-safety: pure functions; a Commit's views live as long as the block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "atproto/cid.hpp"
#include "atproto/error.hpp"

namespace atproto::repo {

struct Commit {
    std::string_view did;
    std::int64_t version = 0;  // 3, or 2 for 2023 repos
    Cid data;                  // MST root
    std::string_view rev;      // empty for v2 commits without one
    std::optional<Cid> prev;
    std::span<const std::byte> sig;
};

// Requires did, version (2 or 3), data, sig, and rev for v3; unknown fields are skipped.
[[nodiscard]] Expected<Commit> decode_commit(std::span<const std::byte> block);
// Appends to `out` the DAG-CBOR of the commit map without its `sig` entry: the signed bytes.
// The block is validated canonical DAG-CBOR, so copying the other entries verbatim under a
// smaller map head is exactly their re-encoding.
[[nodiscard]] Expected<void> unsigned_commit(std::span<const std::byte> block, std::vector<std::byte>& out);
// The canonical DAG-CBOR of a v3 commit with `prev` null; without the `sig` entry when `sig` is
// empty, which is the form a repo's key signs.
[[nodiscard]] std::vector<std::byte> encode_commit(std::string_view did, std::string_view rev, const Cid& data,
                                                   std::span<const std::byte> sig);

}  // namespace atproto::repo
