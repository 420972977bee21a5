#include "stages/batch_write/set_group.hpp"

#include "atproto/syntax/at_uri.hpp"

namespace stages::batch_write {

namespace {

using classify::OpKind;

constexpr std::string_view post_collection = "app.bsky.feed.post";

std::string pair_key(std::string_view first, std::string_view second) {
    std::string key(first);
    key += ' ';
    key += second;
    return key;
}

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

}  // namespace

SetDecision SetGroup::next(const classify::StagedOp& op) {
    SetDecision decision;
    if (op.set_based && !uris_.contains(op.uri)) {
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
        default: return true;  // delete_actor, a repo's begin, end (reconciliation) and status
    }
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
        return uris_.contains(op.uri) || creators_.contains(pair_key(collection, op.did));
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
    if (op.reply_parent.empty() && op.reply_root.empty()) return false;
    if (uris_.contains(op.reply_parent) || uris_.contains(op.reply_root)) return true;
    if (follows_.empty()) return false;
    auto root = atproto::syntax::parse_at_uri(op.reply_root);
    const std::string_view owner = root ? root->authority : std::string_view();
    return follows_.contains(pair_key(op.did, owner)) || follows_.contains(pair_key(owner, op.did));
}

void SetGroup::add(const classify::StagedOp& op) {
    uris_.insert(op.uri);
    if (op.extra) {
        collections_.insert(*op.extra);
        if (keyed_by_creator(*op.extra)) creators_.insert(pair_key(*op.extra, op.did));
    }
    if (op.extra == "app.bsky.feed.repost") repost_subjects_.insert(op.subject);
    if (op.extra == "app.bsky.graph.follow") follows_.insert(pair_key(op.did, op.subject));
}

void SetGroup::clear() {
    uris_.clear();
    collections_.clear();
    repost_subjects_.clear();
    follows_.clear();
    creators_.clear();
}

}  // namespace stages::batch_write
