#include "atproto/repo/mst_walker.hpp"

#include <algorithm>

namespace atproto::repo {

MstWalker::MstWalker(const car::BlockIndex& blocks, const Cid& root, WalkOptions options)
    : blocks_(blocks), options_(options), root_(root) {}

Expected<void> MstWalker::push(const Cid& cid, int layer) {
    if (depth_ == max_depth) return fail(Errc::mst_too_deep, 0, cid);
    const auto block = blocks_.find(cid);
    if (!block) return fail(Errc::missing_block, 0, cid);
    if (frames_.size() == depth_) frames_.emplace_back();
    Frame& frame = frames_[depth_];
    if (auto r = decode_mst_node(*block, frame.node); !r) {
        Error error = r.error();
        error.cid = cid;
        return tl::unexpected(error);
    }
    frame.pending = frame.node.left;
    frame.next_entry = 0;
    frame.key.clear();
    frame.cid = cid;
    frame.layer = layer;
    if (options_.verify_layers) {
        if (auto r = check_layer(frame); !r) return r;
    }
    ++depth_;
    ++nodes_;
    return {};
}

// The node's layer is its first key's height (the first key is stored whole); it must be the one
// its parent implies. Every other key is checked as it is rebuilt (emit).
Expected<void> MstWalker::check_layer(Frame& frame) const {
    const auto& entries = frame.node.entries;
    if (!entries.empty() && entries.front().prefix_size == 0) {
        const auto& first = entries.front().key_suffix;
        const int height = static_cast<int>(
            key_height(std::string_view(reinterpret_cast<const char*>(first.data()), first.size())));
        if (frame.layer >= 0 && height != frame.layer) return fail(Errc::bad_mst_node, 0, frame.cid);
        frame.layer = height;
    }
    const bool has_subtree = frame.node.left || std::any_of(entries.begin(), entries.end(),
                                                            [](const MstEntry& e) { return e.tree.has_value(); });
    if (frame.layer == 0 && has_subtree) return fail(Errc::bad_mst_node, 0, frame.cid);
    return {};
}

Expected<void> MstWalker::emit(Frame& frame, const MstEntry& entry, Leaf& out) {
    if (entry.prefix_size > frame.key.size()) return fail(Errc::bad_mst_key, 0, frame.cid);
    frame.key.resize(entry.prefix_size);
    frame.key.append(reinterpret_cast<const char*>(entry.key_suffix.data()), entry.key_suffix.size());
    if (started_ && frame.key <= last_key_) return fail(Errc::mst_keys_out_of_order, 0, frame.cid);
    if (options_.verify_layers && static_cast<int>(key_height(frame.key)) != frame.layer)
        return fail(Errc::bad_mst_node, 0, frame.cid);
    started_ = true;
    last_key_ = frame.key;
    const std::string_view key = last_key_;
    const std::size_t slash = key.find('/');
    if (slash == 0 || slash == std::string_view::npos || slash + 1 == key.size() ||
        key.find('/', slash + 1) != std::string_view::npos)
        return fail(Errc::bad_mst_key, 0, frame.cid);
    out.key = key;
    out.collection = key.substr(0, slash);
    out.rkey = key.substr(slash + 1);
    out.cid = entry.value;
    const auto record = blocks_.find(entry.value);
    out.present = record.has_value();
    out.record = record.value_or(std::span<const std::byte>{});
    if (!out.present && options_.require_records) return fail(Errc::missing_block, 0, entry.value);
    return {};
}

Expected<bool> MstWalker::next(Leaf& out) {
    if (nodes_ == 0) {
        if (auto r = push(root_, -1); !r) return tl::unexpected(r.error());
    }
    while (depth_ > 0) {
        Frame& frame = frames_[depth_ - 1];
        if (frame.pending) {
            const Cid child = *frame.pending;
            frame.pending.reset();
            if (auto r = push(child, frame.layer < 0 ? -1 : frame.layer - 1); !r) return tl::unexpected(r.error());
            continue;
        }
        if (frame.next_entry == frame.node.entries.size()) {
            --depth_;
            continue;
        }
        const MstEntry& entry = frame.node.entries[frame.next_entry++];
        frame.pending = entry.tree;
        if (auto r = emit(frame, entry, out); !r) return tl::unexpected(r.error());
        return true;
    }
    return false;
}

}  // namespace atproto::repo
