// Structural edits of MstTree. Every node sits at a fixed layer and holds exactly the keys of
// that height, so an insert at height h splits the subtrees below h around the key, and a remove
// merges the two subtrees that flanked it; both recurse one layer at a time.
#include "atproto/repo/mst_tree.hpp"

#include <iterator>

#include "atproto/repo/mst_node.hpp"

namespace atproto::repo {

Expected<void> MstTree::insert(std::string_view key, const Cid& value) {
    if (key.empty()) return fail(Errc::bad_mst_key, 0);
    if (auto r = load_root(); !r) return r;
    const auto height = static_cast<int>(key_height(key));
    if (root_ == none) {
        root_ = fresh(height);
        nodes_[root_].entries.push_back(Entry{std::string(key), value, none});
        return {};
    }
    const int layer = nodes_[root_].layer;
    if (height <= layer) {
        auto root = insert_at(root_, layer, key, height, value);
        if (!root) return tl::unexpected(root.error());
        root_ = *root;
        return {};
    }
    // A new top: the old tree splits around the key, each half lifted to the layer below it.
    auto halves = split(root_, layer, key);
    if (!halves) return tl::unexpected(halves.error());
    const Ref top = fresh(height);
    nodes_[top].left = raise(halves->left, layer, height - 1);
    nodes_[top].entries.push_back(Entry{std::string(key), value, raise(halves->right, layer, height - 1)});
    root_ = top;
    return {};
}

Expected<MstTree::Ref> MstTree::insert_at(Ref ref, int layer, std::string_view key, int height,
                                          const Cid& value) {
    if (ref == none) {
        ref = fresh(layer);  // the key's node, or an empty node on the way down to it
    } else if (auto r = load(ref); !r) {
        return tl::unexpected(r.error());
    }
    Node& node = nodes_[ref];
    const std::size_t i = lower_bound(node, key);
    if (i < node.entries.size() && node.entries[i].key == key) return fail(Errc::mst_key_exists, 0);
    if (height == layer) {
        auto halves = split(slot(node, i), layer - 1, key);
        if (!halves) return tl::unexpected(halves.error());
        slot(node, i) = halves->left;
        node.entries.insert(node.entries.begin() + static_cast<std::ptrdiff_t>(i),
                            Entry{std::string(key), value, halves->right});
    } else {
        auto child = insert_at(slot(node, i), layer - 1, key, height, value);
        if (!child) return child;
        slot(node, i) = *child;
    }
    node.dirty = true;
    return ref;
}

// Splits the subtree at `layer` into the keys below `key` and those above it (either may be none).
Expected<MstTree::Split> MstTree::split(Ref ref, int layer, std::string_view key) {
    if (ref == none) return Split{none, none};
    if (auto r = load(ref); !r) return tl::unexpected(r.error());
    const std::size_t i = lower_bound(nodes_[ref], key);
    if (i < nodes_[ref].entries.size() && nodes_[ref].entries[i].key == key) {
        return fail(Errc::mst_key_exists, 0);
    }
    auto below = split(slot(nodes_[ref], i), layer - 1, key);
    if (!below) return below;
    const Ref right = fresh(layer);
    Node& low = nodes_[ref];
    Node& high = nodes_[right];
    high.left = below->right;
    high.entries.assign(std::make_move_iterator(low.entries.begin() + static_cast<std::ptrdiff_t>(i)),
                        std::make_move_iterator(low.entries.end()));
    low.entries.resize(i);
    slot(low, i) = below->left;
    low.dirty = true;
    return Split{normalized(ref), normalized(right)};
}

Expected<Cid> MstTree::remove(std::string_view key) {
    if (auto r = load_root(); !r) return tl::unexpected(r.error());
    if (root_ == none) return fail(Errc::mst_key_absent, 0);
    Cid old;
    auto root = remove_at(root_, nodes_[root_].layer, key, static_cast<int>(key_height(key)), old);
    if (!root) return tl::unexpected(root.error());
    root_ = *root;
    if (auto r = trim_root(); !r) return tl::unexpected(r.error());
    return old;
}

Expected<MstTree::Ref> MstTree::remove_at(Ref ref, int layer, std::string_view key, int height, Cid& old) {
    if (ref == none || height > layer) return fail(Errc::mst_key_absent, 0);
    if (auto r = load(ref); !r) return tl::unexpected(r.error());
    const std::size_t i = lower_bound(nodes_[ref], key);
    if (height == layer) {
        Node& node = nodes_[ref];
        if (i == node.entries.size() || node.entries[i].key != key) return fail(Errc::mst_key_absent, 0);
        old = node.entries[i].value;
        auto merged = merge(slot(node, i), node.entries[i].right, layer - 1);
        if (!merged) return merged;
        slot(node, i) = *merged;
        node.entries.erase(node.entries.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
        auto child = remove_at(slot(nodes_[ref], i), layer - 1, key, height, old);
        if (!child) return child;
        slot(nodes_[ref], i) = *child;
    }
    nodes_[ref].dirty = true;
    return normalized(ref);
}

// Joins two adjacent subtrees of the same layer (every key of `a` below every key of `b`).
Expected<MstTree::Ref> MstTree::merge(Ref a, Ref b, int layer) {
    if (a == none) return b;
    if (b == none) return a;
    if (auto r = load(a); !r) return tl::unexpected(r.error());
    if (auto r = load(b); !r) return tl::unexpected(r.error());
    Node& low = nodes_[a];
    Node& high = nodes_[b];
    const std::size_t end = low.entries.size();
    auto seam = merge(slot(low, end), high.left, layer - 1);
    if (!seam) return seam;
    slot(low, end) = *seam;
    low.entries.insert(low.entries.end(), std::make_move_iterator(high.entries.begin()),
                       std::make_move_iterator(high.entries.end()));
    high.entries.clear();
    low.dirty = true;
    return a;
}

// The top of a tree is never an empty node: drop such roots until one has entries. A new top
// that is not in the index is taken to have entries: slices that prune the top of the tree
// (before Sync 1.1) omit it, and a wrong guess changes the root CID, which a check compares.
Expected<void> MstTree::trim_root() {
    while (root_ != none) {
        const Node& top = nodes_[root_];
        if (!top.loaded && (blocks_ == nullptr || !blocks_->find(top.cid))) break;
        if (auto r = load(root_); !r) return r;
        const Node& node = nodes_[root_];
        if (!node.entries.empty()) break;
        root_ = node.left;
    }
    return {};
}

}  // namespace atproto::repo
