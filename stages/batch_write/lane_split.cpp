#include "stages/batch_write/lane_split.hpp"

#include <functional>

#include "atproto/syntax/at_uri.hpp"

namespace stages::batch_write {

namespace {

using classify::OpKind;

constexpr std::string_view post_collection = "app.bsky.feed.post";

std::string_view collection_of(const classify::StagedOp& op) {
    return op.extra ? std::string_view(*op.extra) : std::string_view();
}

// The collections whose deletes read and write only the deleting repo's rows, and aggregates.
bool deletes_own_rows(std::string_view collection) {
    return collection == "app.bsky.feed.like" || collection == "app.bsky.feed.repost" ||
           collection == "app.bsky.graph.follow" || collection == "app.bsky.graph.block";
}

std::string_view author_of(std::string_view uri) {
    auto parsed = atproto::syntax::parse_at_uri(uri);
    return parsed ? parsed->authority : std::string_view();
}

}  // namespace

std::size_t LaneSplit::next(std::span<const classify::StagedOp> event_ops) {
    if (event_ops.empty()) return 0;  // nothing to apply: any part will do
    if (independent(event_ops)) return std::hash<std::string_view>{}(event_ops.front().did) % lanes_;
    note_dependent(event_ops);
    return dependent();
}

void LaneSplit::note_dependent(std::span<const classify::StagedOp> ops) {
    for (const auto& op : ops) {
        // Its later events wait too (repo order, and an #account reads whether actor_sync holds the
        // repo yet: migration 0013). #identity touches only the actor row, which no lane op reads,
        // and labels no repo: they hold nobody back.
        if (op.kind != OpKind::actor && op.kind != OpKind::label) {
            notes_.repos.emplace(op.did);
        }
        note_reads(op);
    }
}

// A commit event of a repo with no dependent event before it, whose every op is a lane op.
bool LaneSplit::independent(std::span<const classify::StagedOp> event_ops) const {
    if (fenced() || event_ops.front().kind != OpKind::commit) return false;
    if (noted(&LaneNotes::repos, event_ops.front().did)) return false;
    for (const auto& op : event_ops.subspan(1)) {
        if (!independent(op)) return false;
    }
    return true;
}

bool LaneSplit::independent(const classify::StagedOp& op) const {
    const auto collection = collection_of(op);
    if (op.kind == OpKind::create && op.set_based) {
        if (noted(&LaneNotes::read_uris, op.uri)) return false;  // a dependent reply's parent or root
        if (op.is_reply()) return false;  // reads its thread
        if (collection == "app.bsky.feed.repost") return !noted(&LaneNotes::changed_posts, op.subject);
        if (collection == "app.bsky.graph.follow") return !noted(&LaneNotes::gate_owners, op.did);
        return true;
    }
    if (op.kind == OpKind::del && deletes_own_rows(collection)) {
        return collection != "app.bsky.graph.follow" || !noted(&LaneNotes::gate_owners, op.did);
    }
    return false;
}

void LaneSplit::note_reads(const classify::StagedOp& op) {
    switch (op.kind) {
        case OpKind::create:
        case OpKind::update:
        case OpKind::del: break;
        case OpKind::commit:
        case OpKind::sync:
        case OpKind::actor:
        case OpKind::account:
        case OpKind::label: return;  // actor_sync, actor, label rows: no lane op reads them
        default: notes_.fenced = true; return;  // delete_actor, backfill ops: anything may depend on them
    }
    if (collection_of(op) != post_collection) return;
    if (op.kind != OpKind::create) notes_.changed_posts.emplace(op.uri);
    if (op.kind == OpKind::del) return;
    // A reply reads its parent's and root's record and post rows (the walk up the thread stops at a
    // plain post: it has no parent), and under a thread gate the follows between its author (a
    // dependent repo from now on) and the root's.
    if (!op.reply_parent.empty()) notes_.read_uris.emplace(op.reply_parent);
    if (!op.reply_root.empty()) {
        notes_.read_uris.emplace(op.reply_root);
        if (auto owner = author_of(op.reply_root); !owner.empty()) notes_.gate_owners.emplace(owner);
    }
}

}  // namespace stages::batch_write
