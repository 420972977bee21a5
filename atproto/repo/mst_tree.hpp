// An editable MST, possibly partial: nodes are loaded from a block index only when an operation
// reaches them, so a firehose CAR slice (the changed nodes of the new tree) is enough to apply
// or invert that commit's ops. Unchanged subtrees stay as bare CIDs; root_cid() re-encodes only
// the nodes that changed. Thread-safety: one tree per thread; the index must outlive the tree.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "atproto/car/block_index.hpp"
#include "atproto/cid.hpp"
#include "atproto/error.hpp"

namespace atproto::repo {

struct EncodedNode {
    Cid cid;
    std::vector<std::byte> block;
};

class MstTree {
public:
    // The empty tree (no index: every node is created here).
    MstTree() = default;
    // The tree rooted at `root` whose nodes are looked up in `blocks` on demand.
    MstTree(const car::BlockIndex& blocks, const Cid& root);

    // After an error the tree is unspecified (discard it). Errors of every operation: missing_block (naming the node a step needed), node decoding
    // errors (with the node's CID), bad_mst_node (entries not at the node's layer), bad_mst_key,
    // mst_keys_out_of_order, mst_too_deep.
    [[nodiscard]] Expected<std::optional<Cid>> get(std::string_view key);
    // mst_key_exists when the key is present.
    [[nodiscard]] Expected<void> insert(std::string_view key, const Cid& value);
    // Returns the value the key had; mst_key_absent when it has none. When the new top of the
    // tree is a node absent from the index it is kept as the root (see trim_root).
    [[nodiscard]] Expected<Cid> remove(std::string_view key);
    [[nodiscard]] Expected<Cid> update(std::string_view key, const Cid& value);

    // The root CID; every node encoded for it (the changed ones) is appended to `written`.
    // Cannot fail: only loaded nodes change.
    [[nodiscard]] Cid root_cid(std::vector<EncodedNode>* written = nullptr);

private:
    using Ref = std::size_t;  // index into nodes_
    static constexpr Ref none = static_cast<Ref>(-1);

    struct Entry {
        std::string key;
        Cid value;
        Ref right = none;  // keys between this entry and the next
    };
    struct Node {
        Cid cid;            // valid while !dirty
        int layer = 0;
        bool loaded = false;
        bool dirty = false;
        Ref left = none;
        std::vector<Entry> entries;
    };
    struct Split {
        Ref left;
        Ref right;
    };

    Ref stub(const Cid& cid, int layer);
    Ref fresh(int layer);
    Expected<void> load(Ref ref, int depth = 0);
    Expected<void> decode_into(Node& node, int depth);
    Expected<void> load_root();
    Ref& slot(Node& node, std::size_t index);
    std::size_t lower_bound(const Node& node, std::string_view key) const;
    Ref normalized(Ref ref) const;
    Ref raise(Ref ref, int from_layer, int to_layer);

    Expected<Ref> insert_at(Ref ref, int layer, std::string_view key, int height, const Cid& value);
    Expected<Split> split(Ref ref, int layer, std::string_view key);
    Expected<Ref> remove_at(Ref ref, int layer, std::string_view key, int height, Cid& old);
    Expected<Ref> merge(Ref a, Ref b, int layer);
    Expected<void> trim_root();
    Cid cid_of(Ref ref, std::vector<EncodedNode>* written);

    const car::BlockIndex* blocks_ = nullptr;
    std::deque<Node> nodes_;  // a deque: references to nodes survive appends
    Ref root_ = none;  // none: the empty tree
};

}  // namespace atproto::repo
