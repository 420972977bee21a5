// LaneSplit's decisions, event by event: which events a writer lane may apply ahead of the batch's
// ordered part, and which must wait because an earlier dependent op reads what they write.
#include <catch2/catch.hpp>

#include <deque>
#include <string>
#include <vector>

#include "stages/batch_write/lane_split.hpp"

using stages::batch_write::LaneNotes;
using stages::batch_write::LaneSplit;
using stages::classify::OpKind;
using stages::classify::StagedOp;

namespace {

const std::string alice = "did:plc:alice";
const std::string bob = "did:plc:bob";
const std::string carol = "did:plc:carol";
const std::string dave = "did:plc:dave";
const std::string erin = "did:plc:erin";
const std::string frank = "did:plc:frank";

std::string uri(const std::string& did, const std::string& collection, const std::string& rkey) {
    return "at://" + did + "/" + collection + "/" + rkey;
}

StagedOp record_op(OpKind kind, const std::string& did, const std::string& collection, const std::string& rkey,
                   bool set_based = false) {
    StagedOp op;
    op.kind = kind;
    op.did = did;
    op.uri = uri(did, collection, rkey);
    op.extra = collection;
    op.set_based = set_based;
    return op;
}

StagedOp plain_post(const std::string& did, const std::string& rkey) {
    return record_op(OpKind::create, did, "app.bsky.feed.post", rkey, true);
}

StagedOp subject_op(const std::string& did, const std::string& collection, const std::string& rkey,
                    const std::string& subject) {
    auto op = record_op(OpKind::create, did, collection, rkey, true);
    op.subject = subject;
    return op;
}

StagedOp reply(const std::string& did, const std::string& rkey, const std::string& parent, const std::string& root) {
    auto op = record_op(OpKind::create, did, "app.bsky.feed.post", rkey);
    op.reply_parent = parent;
    op.reply_root = root;
    return op;
}

StagedOp simple(OpKind kind, const std::string& did) {
    StagedOp op;
    op.kind = kind;
    op.did = did;
    return op;
}

// A batch of events and its split.
class Batch {
public:
    explicit Batch(std::size_t lanes = 2, LaneNotes carried = {}) : split_(lanes, std::move(carried)) {}

    // A #commit event of `did` with `ops`: its part.
    std::size_t commit(const std::string& did, std::vector<StagedOp> ops) {
        auto& event = events_.emplace_back();
        event.push_back(simple(OpKind::commit, did));
        for (auto& op : ops) event.push_back(std::move(op));
        return split_.next(event);
    }
    // Any other event (its ops as given).
    std::size_t event(std::vector<StagedOp> ops) { return split_.next(events_.emplace_back(std::move(ops))); }
    [[nodiscard]] bool dependent(std::size_t part) const { return part == split_.dependent(); }
    LaneSplit& split() { return split_; }

private:
    std::deque<std::vector<StagedOp>> events_;
    LaneSplit split_;
};

}  // namespace

TEST_CASE("likes, reposts, follows, blocks, plain posts and their deletes go to a lane chosen by repo",
          "[batch_write][lanes]") {
    Batch batch;
    const auto post = uri(carol, "app.bsky.feed.post", "p1");
    const auto lane = batch.commit(alice, {subject_op(alice, "app.bsky.feed.like", "l1", post)});
    CHECK_FALSE(batch.dependent(lane));
    CHECK(batch.commit(alice, {subject_op(alice, "app.bsky.feed.repost", "r1", post),
                               subject_op(alice, "app.bsky.graph.follow", "f1", bob),
                               subject_op(alice, "app.bsky.graph.block", "b1", carol), plain_post(alice, "p1")}) ==
          lane);
    CHECK(batch.commit(alice, {record_op(OpKind::del, alice, "app.bsky.feed.like", "l1"),
                               record_op(OpKind::del, alice, "app.bsky.graph.follow", "f1")}) == lane);
    CHECK(batch.commit(alice, {}) == lane);  // a commit without ops
    const auto bob_lane = batch.commit(bob, {plain_post(bob, "p1")});
    CHECK_FALSE(batch.dependent(bob_lane));
    CHECK(batch.commit(bob, {plain_post(bob, "p2")}) == bob_lane);
}

TEST_CASE("replies, quotes, gates, post deletes, other collections and non-commit events are dependent",
          "[batch_write][lanes]") {
    Batch batch;
    const auto post = uri(carol, "app.bsky.feed.post", "p1");
    CHECK(batch.dependent(batch.commit(alice, {reply(alice, "r1", post, post)})));
    auto quote = record_op(OpKind::create, bob, "app.bsky.feed.post", "q1");  // not set-based
    CHECK(batch.dependent(batch.commit(bob, {quote})));
    Batch other;
    CHECK(other.dependent(other.commit(alice, {record_op(OpKind::create, alice, "app.bsky.feed.threadgate", "p1")})));
    CHECK(other.dependent(other.commit(bob, {record_op(OpKind::del, bob, "app.bsky.feed.post", "p1")})));
    CHECK(other.dependent(other.commit(carol, {record_op(OpKind::update, carol, "app.bsky.actor.profile", "self")})));
    Batch events;
    CHECK(events.dependent(events.event({simple(OpKind::actor, alice)})));
    CHECK(events.dependent(events.event({simple(OpKind::account, alice)})));
    CHECK(events.dependent(events.event({simple(OpKind::sync, bob)})));
    // #identity touches only the actor row: carol's commits still go to a lane. A #sync moves
    // bob's rev, and an #account reads whether alice's actor_sync row exists yet: their later
    // commits wait for them.
    CHECK(events.dependent(events.event({simple(OpKind::actor, carol)})));
    CHECK_FALSE(events.dependent(events.commit(carol, {plain_post(carol, "p1")})));
    CHECK(events.dependent(events.commit(bob, {plain_post(bob, "p1")})));
    CHECK(events.dependent(events.commit(alice, {plain_post(alice, "p1")})));
}

TEST_CASE("after a dependent event, the repo's later events are dependent too", "[batch_write][lanes]") {
    Batch batch;
    const auto post = uri(carol, "app.bsky.feed.post", "p1");
    CHECK_FALSE(batch.dependent(batch.commit(alice, {subject_op(alice, "app.bsky.feed.like", "l1", post)})));
    CHECK(batch.dependent(batch.commit(alice, {record_op(OpKind::del, alice, "app.bsky.feed.post", "p0")})));
    CHECK(batch.dependent(batch.commit(alice, {subject_op(alice, "app.bsky.feed.like", "l2", post)})));
    CHECK_FALSE(batch.dependent(batch.commit(bob, {subject_op(bob, "app.bsky.feed.like", "l2", post)})));
}

TEST_CASE("an event writing what an earlier dependent op reads waits for it", "[batch_write][lanes]") {
    const auto parent = uri(bob, "app.bsky.feed.post", "p1");
    const auto root = uri(carol, "app.bsky.feed.post", "p0");
    SECTION("a reply's parent and root, created after it") {
        Batch batch;
        REQUIRE(batch.dependent(batch.commit(alice, {reply(alice, "r1", parent, root)})));
        CHECK(batch.dependent(batch.commit(bob, {plain_post(bob, "p1")})));
        CHECK(batch.dependent(batch.commit(carol, {plain_post(carol, "p0")})));
        CHECK(batch.dependent(batch.commit(carol, {})));  // carol's later events wait too
    }
    SECTION("a follow or follow delete of the root's author (the thread gate's follow rules)") {
        Batch batch;
        REQUIRE(batch.dependent(batch.commit(alice, {reply(alice, "r1", parent, root)})));
        CHECK_FALSE(batch.dependent(batch.commit(bob, {subject_op(bob, "app.bsky.graph.follow", "f1", alice)})));
        CHECK(batch.dependent(batch.commit(carol, {subject_op(carol, "app.bsky.graph.follow", "f1", alice)})));
        Batch deleting;
        REQUIRE(deleting.dependent(deleting.commit(alice, {reply(alice, "r1", parent, root)})));
        CHECK(deleting.dependent(deleting.commit(carol, {record_op(OpKind::del, carol, "app.bsky.graph.follow", "f1")})));
        CHECK_FALSE(deleting.dependent(deleting.commit(bob, {record_op(OpKind::del, bob, "app.bsky.graph.follow", "f1")})));
    }
    SECTION("a repost of a post deleted or updated before it (its feed items go with the post)") {
        Batch batch;
        REQUIRE(batch.dependent(batch.commit(bob, {record_op(OpKind::del, bob, "app.bsky.feed.post", "p1")})));
        CHECK(batch.dependent(batch.commit(alice, {subject_op(alice, "app.bsky.feed.repost", "r1", parent)})));
        CHECK_FALSE(batch.dependent(batch.commit(carol, {subject_op(carol, "app.bsky.feed.like", "l1", parent)})));
        CHECK_FALSE(batch.dependent(batch.commit(carol, {subject_op(carol, "app.bsky.feed.repost", "r1", root)})));
    }
    SECTION("anything after delete_actor (it deletes notifications to the actor, written by anyone)") {
        Batch batch;
        batch.split().note_dependent(std::vector<StagedOp>{simple(OpKind::delete_actor, bob)});
        CHECK(batch.dependent(batch.commit(alice, {subject_op(alice, "app.bsky.feed.like", "l1", parent)})));
    }
}

TEST_CASE("events before the dependent op that reads their rows stay on their lanes", "[batch_write][lanes]") {
    const auto parent = uri(bob, "app.bsky.feed.post", "p1");
    Batch batch;
    CHECK_FALSE(batch.dependent(batch.commit(bob, {plain_post(bob, "p1")})));
    CHECK_FALSE(batch.dependent(batch.commit(carol, {subject_op(carol, "app.bsky.graph.follow", "f1", alice)})));
    CHECK(batch.dependent(batch.commit(alice, {reply(alice, "r1", parent, uri(carol, "app.bsky.feed.post", "p0"))})));
}

TEST_CASE("a reply is ordered even when it is set-based: it reads its thread", "[stages][lane_split]") {
    Batch batch;
    auto set_reply = reply(bob, "r1", uri(carol, "app.bsky.feed.post", "x"), uri(carol, "app.bsky.feed.post", "x"));
    set_reply.set_based = true;
    CHECK(batch.dependent(batch.commit(bob, {set_reply})));
    CHECK_FALSE(batch.dependent(batch.commit(alice, {plain_post(alice, "p1")})));
}

TEST_CASE("the batch after holds back what this batch's ordered part reads and the repos it holds, and no more",
          "[batch_write][lanes]") {
    // The writer applies a batch's ordered part while the next batch's lanes run.
    const auto parent = uri(bob, "app.bsky.feed.post", "p1");
    const auto root = uri(carol, "app.bsky.feed.post", "p0");
    const auto deleted = uri(dave, "app.bsky.feed.post", "p9");
    Batch first;
    REQUIRE(first.dependent(first.commit(alice, {reply(alice, "r1", parent, root)})));
    REQUIRE(first.dependent(first.commit(dave, {record_op(OpKind::del, dave, "app.bsky.feed.post", "p9")})));
    // An event whose lane gave way is applied in the ordered part: its repo is held too.
    const std::vector<StagedOp> gave_way{simple(OpKind::commit, erin),
                                         subject_op(erin, "app.bsky.feed.like", "l0", root)};
    REQUIRE_FALSE(first.dependent(first.commit(erin, {subject_op(erin, "app.bsky.feed.like", "l0", root)})));
    first.split().note_dependent(gave_way);

    Batch second(2, first.split().take_notes());
    CHECK(second.dependent(second.commit(bob, {plain_post(bob, "p1")})));  // the reply's parent
    CHECK(second.dependent(second.commit(alice, {subject_op(alice, "app.bsky.feed.like", "l1", root)})));
    CHECK(second.dependent(second.commit(erin, {subject_op(erin, "app.bsky.feed.like", "l2", root)})));
    CHECK(second.dependent(second.commit(carol, {subject_op(carol, "app.bsky.graph.follow", "f1", bob)})));
    CHECK(second.dependent(second.commit(dave, {})));
    const std::string gus = "did:plc:gus";
    CHECK(second.dependent(second.commit(gus, {subject_op(gus, "app.bsky.feed.repost", "r1", deleted)})));
    CHECK_FALSE(second.dependent(second.commit(frank, {subject_op(frank, "app.bsky.feed.repost", "r1", parent)})));

    // Two batches on, the first's ordered part has committed: only the second's notes count.
    Batch third(2, second.split().take_notes());
    CHECK_FALSE(third.dependent(third.commit(frank, {subject_op(frank, "app.bsky.feed.repost", "r2", deleted)})));
    CHECK(third.dependent(third.commit(alice, {subject_op(alice, "app.bsky.feed.like", "l3", root)})));

    Batch fencing;
    fencing.split().note_dependent(std::vector<StagedOp>{simple(OpKind::delete_actor, bob)});
    Batch after_fence(2, fencing.split().take_notes());
    CHECK(after_fence.dependent(after_fence.commit(alice, {subject_op(alice, "app.bsky.feed.like", "l1", parent)})));
}
