#include "stages/batch_write/set_group.hpp"

#include "atproto/syntax/at_uri.hpp"

namespace stages::batch_write {

namespace {

using classify::OpKind;

constexpr std::string_view post_collection = "app.bsky.feed.post";

// The collections whose rows an op reads only by its own URI or by its creator: a delete or update
// reads the row it replaces and promotes a duplicate of it, a create's duplicate check reads the
// row holding its (subject, creator) — the same repo's rows either way.
bool keyed_by_creator(std::string_view collection) {
    return collection == "app.bsky.feed.like" || collection == "app.bsky.feed.repost" ||
           collection == "app.bsky.graph.follow" || collection == "app.bsky.graph.block";
}

// The post a thread or post gate record belongs to: same repo and rkey (the classifier refuses
// gates whose `post` says otherwise).
std::string gated_post(std::string_view gate_uri) {
    auto uri = atproto::syntax::parse_at_uri(gate_uri);
    if (!uri) return {};
    return "at://" + std::string(uri->authority) + "/" + std::string(post_collection) + "/" + std::string(uri->rkey);
}

std::string_view author_of(std::string_view uri) {
    auto parsed = atproto::syntax::parse_at_uri(uri);
    return parsed ? parsed->authority : std::string_view();
}

}  // namespace

SetDecision SetGroup::next(const classify::StagedOp& op) {
    SetDecision decision;
    // A reply of itself reads its own record as its parent or root: one by one.
    const bool self_reply = op.is_reply() && (op.reply_parent == op.uri || op.reply_root == op.uri);
    if (op.set_based && !self_reply && !uris_.contains(op.uri)) {
        // It joins, after the group so far when it would read a row of it or write one of the
        // group's replies reads.
        if (!uris_.empty() && (reply_conflicts(op) || read_by_replies(op))) {
            decision.apply_before = true;
            clear();
        }
        decision.set_based = true;
        add(op);
        return decision;
    }
    if (!uris_.empty() && conflicts(op)) {
        decision.apply_before = true;
        clear();
    }
    return decision;
}

bool SetGroup::conflicts(const classify::StagedOp& op) const {
    switch (op.kind) {
        case OpKind::commit:
        case OpKind::sync:
        case OpKind::actor:
        case OpKind::account:
        case OpKind::label: return false;
        case OpKind::create:
        case OpKind::update:
        case OpKind::del:
        case OpKind::repo_record: break;  // a backfilled record: a create, an update or nothing
        // A repo's begin reads whether the database holds records of the repo (migration 0011); its
        // end reconciles them, and apply_batch applies the group first unless the repo was fresh
        // (nothing to reconcile, migration 0014): a group then spans many repos of a backfill batch.
        case OpKind::repo_begin: return dids_.contains(op.did);
        case OpKind::repo_end: return false;
        default: return true;  // delete_actor, a repo's status
    }
    if (read_by_replies(op)) return true;
    const std::string_view collection = op.extra ? std::string_view(*op.extra) : std::string_view();
    if (collection == post_collection) {
        // A post delete (and an update, which deletes first; a backfilled record may be one) removes
        // the feed items pointing at the post: those of the group's reposts of it, and, live, that of
        // any repost of the group created again under a URI whose feed item (kept, ON CONFLICT DO
        // NOTHING) still points at the post. (A backfilled repost joins the group only under a URI the
        // database does not hold, migration 0009: it has no such feed item.)
        if (uris_.contains(op.uri) || repost_subjects_.contains(op.uri)) return true;
        if ((op.kind == OpKind::del || op.kind == OpKind::update) && !repost_subjects_.empty()) return true;
        return op.kind != OpKind::del && reply_conflicts(op);
    }
    // Updates, deletes, duplicate checks and promotions read the collection's rows: for likes,
    // reposts, follows and blocks only their own URI's and their creator's.
    if (keyed_by_creator(collection)) {
        return uris_.contains(op.uri) || creators_.contains(ViewPair(collection, op.did));
    }
    if (collections_.contains(collection)) return true;
    // A gate sets or clears its post's hasThreadGate / hasPostGate.
    if (collection == "app.bsky.feed.threadgate" || collection == "app.bsky.feed.postgate") {
        return uris_.contains(gated_post(op.uri));
    }
    return false;
}

// A reply reads its parent and root (record and post rows; the walk up goes no further than a
// post of the group, which has no parent) and, under a thread gate, the follows between its
// author and the root's. A quote reads the quoted post's gate, never a group's row.
bool SetGroup::reply_conflicts(const classify::StagedOp& op) const {
    if (!op.is_reply()) return false;
    if (uris_.contains(op.reply_parent) || uris_.contains(op.reply_root)) return true;
    if (follows_.empty()) return false;
    auto root = atproto::syntax::parse_at_uri(op.reply_root);
    const std::string_view owner = root ? root->authority : std::string_view();
    return follows_.contains(ViewPair(op.did, owner)) || follows_.contains(ViewPair(owner, op.did));
}

// Whether the op, applied before the group's replies, could change what one of them reads: its
// parent's or root's record, its thread's posts up to four ancestors (a post update or delete; a
// post create applied one by one is an ancestor only if replies were indexed before it, which
// apply_batch checks, migration 0014; a post of the group is never one), the root's thread gate,
// the follows between its author and the root's, the items of a gate's lists. Coarse where the op
// does not say enough (a delete names no subject): these ops are rare next to the likes and
// follows a group is made of.
bool SetGroup::read_by_replies(const classify::StagedOp& op) const {
    if (!has_replies_) return false;
    if (reply_targets_.contains(op.uri)) return true;
    const std::string_view collection = op.extra ? std::string_view(*op.extra) : std::string_view();
    if (collection == "app.bsky.graph.follow") {
        if (op.set_based) return gate_pairs_.contains(ViewPair(op.did, op.subject));
        return gate_dids_.contains(op.did);
    }
    if (op.set_based) return false;  // a like, repost, block or plain post joining the group
    if (collection == post_collection) return op.kind == OpKind::update || op.kind == OpKind::del;
    return collection == "app.bsky.feed.threadgate" || collection == "app.bsky.graph.listitem" ||
           collection == "app.bsky.graph.list";
}

void SetGroup::add(const classify::StagedOp& op) {
    dids_.insert(op.did);
    if (op.is_reply()) {
        has_replies_ = true;
        reply_targets_.insert(op.reply_parent);
        reply_targets_.insert(op.reply_root);
        if (const auto owner = author_of(op.reply_root); owner != op.did) {
            gate_dids_.insert(op.did);
            gate_dids_.insert(owner);
            gate_pairs_.insert(ViewPair(op.did, owner));
            gate_pairs_.insert(ViewPair(owner, op.did));
        }
    }
    uris_.insert(op.uri);
    if (op.extra) {
        collections_.insert(*op.extra);
        if (keyed_by_creator(*op.extra)) creators_.insert(ViewPair(*op.extra, op.did));
    }
    if (op.extra == "app.bsky.feed.repost") repost_subjects_.insert(op.subject);
    if (op.extra == "app.bsky.graph.follow") follows_.insert(ViewPair(op.did, op.subject));
}

void SetGroup::clear() {
    uris_.clear();
    collections_.clear();
    repost_subjects_.clear();
    follows_.clear();
    creators_.clear();
    dids_.clear();
    has_replies_ = false;
    reply_targets_.clear();
    gate_dids_.clear();
    gate_pairs_.clear();
}

}  // namespace stages::batch_write
