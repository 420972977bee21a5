// In-order walk of a repo MST from its root over a block index, yielding every record as
// (collection, rkey, CID, bytes) in key order. Iterative (an explicit stack, reused between
// nodes), so depth costs no native stack; keys must strictly increase, which also stops cycles,
// and (unless turned off) every key must sit at its layer: the leading zero bits of its SHA-256 / 2.
// Thread-safety: one walker per thread; the index and its buffer must outlive it.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "atproto/car/block_index.hpp"
#include "atproto/cid.hpp"
#include "atproto/error.hpp"
#include "atproto/repo/mst_node.hpp"

namespace atproto::repo {

struct WalkOptions {
    // A record block missing from the index is a missing_block error; when false the leaf is
    // returned with empty `record` bytes and `present == false`.
    bool require_records = true;
    // Each node's keys share one height (key_height), its subtrees are one layer down and layer 0
    // has none: a tree built against the spec's layering, as its root CID promises.
    bool verify_layers = true;
};

struct Leaf {
    std::string_view key;         // "collection/rkey"; valid until the next call to next()
    std::string_view collection;
    std::string_view rkey;
    Cid cid;
    std::span<const std::byte> record;  // view into the CAR buffer
    bool present = false;
};

class MstWalker {
public:
    // Deeper than any real tree (heights come from 256-bit hashes, at most 128 layers).
    static constexpr std::size_t max_depth = 130;

    MstWalker(const car::BlockIndex& blocks, const Cid& root, WalkOptions options = {});

    // The next leaf; false when the walk is complete. Errors: missing_block (naming the CID),
    // MST node decoding errors (with the node's CID), bad_mst_key, mst_keys_out_of_order, mst_too_deep,
    // bad_mst_node (a key or subtree at the wrong layer, with the node's CID).
    [[nodiscard]] Expected<bool> next(Leaf& out);
    // MST nodes visited so far.
    [[nodiscard]] std::size_t nodes_visited() const noexcept { return nodes_; }

private:
    struct Frame {
        MstNode node;
        std::optional<Cid> pending;  // subtree to descend into before the next entry
        std::size_t next_entry = 0;
        std::string key;             // last full key decoded in this node
        Cid cid;
        int layer = -1;              // -1: unknown (an empty root and the subtrees below it)
    };

    Expected<void> push(const Cid& cid, int layer);
    Expected<void> check_layer(Frame& frame) const;
    Expected<void> emit(Frame& frame, const MstEntry& entry, Leaf& out);

    const car::BlockIndex& blocks_;
    WalkOptions options_;
    std::vector<Frame> frames_;  // frames_[0, depth_) are live; the rest keep their capacity
    std::size_t depth_ = 0;
    std::string last_key_;
    std::size_t nodes_ = 0;
    bool started_ = false;
    Cid root_;
};

}  // namespace atproto::repo
