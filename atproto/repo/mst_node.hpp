// One MST node block decoded into views ({"e": [entries], "l": subtree|null}), the key height
// function and the prefix length used by key compression. Reusable for partial MSTs (firehose
// proofs), its canonical encoding. Thread-safety: pure functions; a node's views live as long as its block.
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

struct MstEntry {
    std::uint64_t prefix_size = 0;          // `p`: bytes shared with the previous key of the node
    std::span<const std::byte> key_suffix;  // `k`
    std::optional<Cid> tree;                // `t`: keys between this entry and the next
    Cid value;                              // `v`: the record CID
};

struct MstNode {
    std::optional<Cid> left;  // `l`: keys before the first entry
    std::vector<MstEntry> entries;
};

// Decodes `block` into `out`, reusing its entry capacity. Unknown or missing fields are bad_mst_node.
[[nodiscard]] Expected<void> decode_mst_node(std::span<const std::byte> block, MstNode& out);

// Appends the canonical DAG-CBOR of `node` (the inverse of decode_mst_node): map keys in
// canonical order, absent subtrees as null. The caller supplies prefix-compressed entries.
void encode_mst_node(const MstNode& node, std::vector<std::byte>& out);

// MST layer of a key: leading zero bits of sha256(key) / 2 (fan-out 4).
[[nodiscard]] unsigned key_height(std::string_view key);
[[nodiscard]] std::size_t common_prefix_size(std::string_view a, std::string_view b) noexcept;

}  // namespace atproto::repo
