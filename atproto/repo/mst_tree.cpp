// Loading, lookups, updates and encoding of MstTree; the structural edits (insert, remove, split,
// merge) are in mst_tree_edit.cpp.
#include "atproto/repo/mst_tree.hpp"

#include <algorithm>

#include "atproto/repo/mst_node.hpp"

namespace atproto::repo {

namespace {

// Heights come from 256-bit hashes (at most 128 layers); a longer chain of empty nodes is hostile.
constexpr int max_depth = 130;

std::span<const std::byte> as_bytes(std::string_view text) {
    return std::as_bytes(std::span(text.data(), text.size()));
}

std::string_view as_text(std::span<const std::byte> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace

MstTree::MstTree(const car::BlockIndex& blocks, const Cid& root) : blocks_(&blocks), root_(stub(root, -1)) {}

MstTree::Ref MstTree::stub(const Cid& cid, int layer) {
    nodes_.push_back(Node{.cid = cid, .layer = layer, .loaded = false, .dirty = false, .left = none, .entries = {}});
    return nodes_.size() - 1;
}

MstTree::Ref MstTree::fresh(int layer) {
    nodes_.push_back(Node{.cid = {}, .layer = layer, .loaded = true, .dirty = true, .left = none, .entries = {}});
    return nodes_.size() - 1;
}

MstTree::Ref& MstTree::slot(Node& node, std::size_t index) {
    return index == 0 ? node.left : node.entries[index - 1].right;
}

std::size_t MstTree::lower_bound(const Node& node, std::string_view key) const {
    const auto it = std::lower_bound(node.entries.begin(), node.entries.end(), key,
                                     [](const Entry& entry, std::string_view k) { return entry.key < k; });
    return static_cast<std::size_t>(it - node.entries.begin());
}

MstTree::Ref MstTree::normalized(Ref ref) const {
    if (ref == none) return none;
    const Node& node = nodes_[ref];
    return node.loaded && node.entries.empty() && node.left == none ? none : ref;
}

MstTree::Ref MstTree::raise(Ref ref, int from_layer, int to_layer) {
    for (; ref != none && from_layer < to_layer; ++from_layer) {
        const Ref parent = fresh(from_layer + 1);
        nodes_[parent].left = ref;
        ref = parent;
    }
    return ref;
}

Expected<void> MstTree::load(Ref ref, int depth) {
    Node& node = nodes_[ref];
    if (node.loaded) return {};
    if (depth > max_depth) return fail(Errc::mst_too_deep, 0, node.cid);
    if (auto r = decode_into(node, depth); !r) {
        Error error = r.error();
        if (error.cid.empty()) error.cid = node.cid;
        return tl::unexpected(error);
    }
    node.loaded = true;
    return {};
}

// A node of unknown layer (-1) is the root: its layer is its keys' height, or one more than its
// left subtree's when it has no entries.
Expected<void> MstTree::decode_into(Node& node, int depth) {
    const auto block = blocks_ != nullptr ? blocks_->find(node.cid) : std::nullopt;
    if (!block) return fail(Errc::missing_block, 0, node.cid);
    MstNode decoded;
    if (auto r = decode_mst_node(*block, decoded); !r) return r;
    node.entries.clear();
    node.entries.reserve(decoded.entries.size());
    std::string_view previous;
    for (const MstEntry& entry : decoded.entries) {
        if (entry.prefix_size > previous.size()) return fail(Errc::bad_mst_key, 0);
        std::string key(previous.substr(0, entry.prefix_size));
        key.append(as_text(entry.key_suffix));
        if (key.empty()) return fail(Errc::bad_mst_key, 0);
        if (!node.entries.empty() && key <= previous) return fail(Errc::mst_keys_out_of_order, 0);
        node.entries.push_back(Entry{std::move(key), entry.value, none});
        previous = node.entries.back().key;  // reserved: no reallocation moves it
    }
    if (node.layer < 0 && node.entries.empty()) {
        if (!decoded.left) {
            node.layer = 0;
            return {};
        }
        node.left = stub(*decoded.left, -1);
        if (auto r = load(node.left, depth + 1); !r) return r;
        node.layer = nodes_[node.left].layer + 1;
        return {};
    }
    if (node.layer < 0) node.layer = static_cast<int>(key_height(node.entries.front().key));
    for (const Entry& entry : node.entries) {
        if (static_cast<int>(key_height(entry.key)) != node.layer) return fail(Errc::bad_mst_node, 0);
    }
    const bool has_subtree = decoded.left || std::any_of(decoded.entries.begin(), decoded.entries.end(),
                                                         [](const MstEntry& e) { return e.tree.has_value(); });
    if (node.layer == 0 && has_subtree) return fail(Errc::bad_mst_node, 0);
    if (decoded.left) node.left = stub(*decoded.left, node.layer - 1);
    for (std::size_t i = 0; i < decoded.entries.size(); ++i) {
        if (decoded.entries[i].tree) node.entries[i].right = stub(*decoded.entries[i].tree, node.layer - 1);
    }
    return {};
}

Expected<void> MstTree::load_root() {
    if (root_ == none) return {};
    if (auto r = load(root_); !r) return r;
    root_ = normalized(root_);
    return {};
}

Expected<std::optional<Cid>> MstTree::get(std::string_view key) {
    if (auto r = load_root(); !r) return tl::unexpected(r.error());
    const auto height = static_cast<int>(key_height(key));
    for (Ref ref = root_; ref != none;) {
        if (auto r = load(ref); !r) return tl::unexpected(r.error());
        Node& node = nodes_[ref];
        if (height > node.layer) break;
        const std::size_t i = lower_bound(node, key);
        if (height == node.layer) {
            if (i < node.entries.size() && node.entries[i].key == key) return node.entries[i].value;
            break;
        }
        ref = slot(node, i);
    }
    return std::optional<Cid>();
}

Expected<Cid> MstTree::update(std::string_view key, const Cid& value) {
    if (auto r = load_root(); !r) return tl::unexpected(r.error());
    const auto height = static_cast<int>(key_height(key));
    std::vector<Ref> path;
    for (Ref ref = root_; ref != none;) {
        if (auto r = load(ref); !r) return tl::unexpected(r.error());
        Node& node = nodes_[ref];
        if (height > node.layer) break;
        path.push_back(ref);
        const std::size_t i = lower_bound(node, key);
        if (height == node.layer) {
            if (i == node.entries.size() || node.entries[i].key != key) break;
            const Cid old = node.entries[i].value;
            node.entries[i].value = value;
            for (Ref changed : path) nodes_[changed].dirty = true;
            return old;
        }
        ref = slot(node, i);
    }
    return fail(Errc::mst_key_absent, 0);
}

Cid MstTree::root_cid(std::vector<EncodedNode>* written) {
    if (root_ == none) {
        std::vector<std::byte> block;
        encode_mst_node(MstNode{}, block);
        const Cid cid = Cid::of(Cid::dag_cbor, block);
        if (written != nullptr) written->push_back(EncodedNode{cid, std::move(block)});
        return cid;
    }
    return cid_of(root_, written);
}

// Children first (their CIDs are in the parent's block); clean nodes and stubs keep their CID.
Cid MstTree::cid_of(Ref ref, std::vector<EncodedNode>* written) {
    Node& node = nodes_[ref];
    if (!node.dirty) return node.cid;
    MstNode encoded;
    if (node.left != none) encoded.left = cid_of(node.left, written);
    std::string_view previous;
    for (const Entry& entry : node.entries) {
        MstEntry& out = encoded.entries.emplace_back();
        out.prefix_size = common_prefix_size(previous, entry.key);
        out.key_suffix = as_bytes(std::string_view(entry.key).substr(out.prefix_size));
        out.value = entry.value;
        if (entry.right != none) out.tree = cid_of(entry.right, written);
        previous = entry.key;
    }
    std::vector<std::byte> block;
    encode_mst_node(encoded, block);
    node.cid = Cid::of(Cid::dag_cbor, block);
    node.dirty = false;
    if (written != nullptr) written->push_back(EncodedNode{node.cid, std::move(block)});
    return node.cid;
}

}  // namespace atproto::repo
