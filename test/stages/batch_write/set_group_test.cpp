#include <catch2/catch.hpp>

#include <deque>
#include <string>

#include "stages/batch_write/set_group.hpp"

using stages::batch_write::SetDecision;
using stages::batch_write::SetGroup;
using stages::classify::OpKind;
using stages::classify::StagedOp;

namespace {

constexpr auto alice = "did:plc:alice";
constexpr auto bob = "did:plc:bob";

StagedOp record_op(OpKind kind, const std::string& did, const std::string& collection, const std::string& rkey,
                   bool set_based = false) {
    StagedOp op;
    op.kind = kind;
    op.did = did;
    op.uri = "at://" + did + "/" + collection + "/" + rkey;
    op.extra = collection;
    op.set_based = set_based;
    return op;
}

StagedOp like(const std::string& did, const std::string& rkey, const std::string& subject) {
    auto op = record_op(OpKind::create, did, "app.bsky.feed.like", rkey, true);
    op.subject = subject;
    return op;
}

StagedOp plain_post(const std::string& did, const std::string& rkey) {
    return record_op(OpKind::create, did, "app.bsky.feed.post", rkey, true);
}

StagedOp reply(const std::string& did, const std::string& rkey, const std::string& parent, const std::string& root) {
    auto op = record_op(OpKind::create, did, "app.bsky.feed.post", rkey);
    op.reply_parent = parent;
    op.reply_root = root;
    return op;
}

// The group keeps views of the ops, which in a batch outlive it: so do these.
class Batch {
public:
    SetDecision next(StagedOp op) { return group_.next(ops_.emplace_back(std::move(op))); }

private:
    std::deque<StagedOp> ops_;
    SetGroup group_;
};

bool joins(SetDecision d) { return d.set_based && !d.apply_before; }
bool waits(SetDecision d) { return !d.set_based && d.apply_before; }
bool passes(SetDecision d) { return !d.set_based && !d.apply_before; }

}  // namespace

TEST_CASE("set-based creates join the group and ops that touch none of its rows do not interrupt it",
          "[stages][set_group]") {
    Batch group;
    const auto post = plain_post(alice, "p1");
    CHECK(joins(group.next(post)));
    CHECK(joins(group.next(like(bob, "l1", post.uri))));
    StagedOp commit;
    commit.kind = OpKind::commit;
    CHECK(passes(group.next(commit)));
    CHECK(passes(group.next(record_op(OpKind::create, bob, "app.bsky.actor.profile", "self"))));
    CHECK(passes(group.next(record_op(OpKind::create, bob, "app.bsky.graph.listitem", "i1"))));
    CHECK(passes(group.next(reply(bob, "r1", "at://did:plc:carol/app.bsky.feed.post/x",
                                  "at://did:plc:carol/app.bsky.feed.post/x"))));
    CHECK(passes(group.next(record_op(OpKind::del, bob, "app.bsky.graph.list", "l9"))));
}

TEST_CASE("a reply to a post of the group, or under a root in it, has the group applied first",
          "[stages][set_group]") {
    Batch group;
    const auto post = plain_post(alice, "p1");
    REQUIRE(joins(group.next(post)));
    CHECK(waits(group.next(reply(bob, "r1", post.uri, post.uri))));
    // The group is empty again: the next reply to it passes.
    CHECK(passes(group.next(reply(bob, "r2", post.uri, post.uri))));
    REQUIRE(joins(group.next(plain_post(alice, "p2"))));
    CHECK(waits(group.next(reply(bob, "r3", "at://did:plc:carol/app.bsky.feed.post/x",
                                 "at://" + std::string(alice) + "/app.bsky.feed.post/p2"))));
}

TEST_CASE("a reply whose thread gate may ask for a follow of the group has the group applied first",
          "[stages][set_group]") {
    Batch group;
    auto follow = record_op(OpKind::create, alice, "app.bsky.graph.follow", "f1", true);
    follow.subject = bob;
    REQUIRE(joins(group.next(follow)));
    const std::string alices_post = "at://" + std::string(alice) + "/app.bsky.feed.post/p0";
    CHECK(waits(group.next(reply(bob, "r1", alices_post, alices_post))));
    REQUIRE(joins(group.next(follow)));
    const std::string carols_post = "at://did:plc:carol/app.bsky.feed.post/p0";
    CHECK(passes(group.next(reply(bob, "r2", carols_post, carols_post))));
}

TEST_CASE("a like, repost, follow or block op of a creator the group holds, a repeated URI and delete_actor apply "
          "the group first",
          "[stages][set_group]") {
    Batch group;
    const auto first = like(alice, "l1", "at://did:plc:carol/app.bsky.feed.post/x");
    REQUIRE(joins(group.next(first)));
    // Another creator's unlike reads only its own row and that creator's duplicates.
    CHECK(passes(group.next(record_op(OpKind::del, bob, "app.bsky.feed.like", "l7"))));
    CHECK(passes(group.next(record_op(OpKind::del, alice, "app.bsky.graph.follow", "f7"))));
    // The same creator's: the group's like may be the duplicate it promotes.
    CHECK(waits(group.next(record_op(OpKind::del, alice, "app.bsky.feed.like", "l7"))));
    REQUIRE(joins(group.next(first)));
    auto follow = record_op(OpKind::create, bob, "app.bsky.graph.follow", "f1", true);
    follow.subject = alice;
    REQUIRE(joins(group.next(follow)));
    CHECK(passes(group.next(record_op(OpKind::update, alice, "app.bsky.graph.follow", "f2"))));
    CHECK(waits(group.next(record_op(OpKind::update, bob, "app.bsky.graph.follow", "f2"))));
    REQUIRE(joins(group.next(first)));
    CHECK(waits(group.next(record_op(OpKind::del, alice, "app.bsky.feed.like", "l1"))));  // its own row
    REQUIRE(joins(group.next(first)));
    CHECK(waits(group.next(first)));  // the same URI again: one by one, after the group
    REQUIRE(joins(group.next(like(alice, "l2", "at://did:plc:carol/app.bsky.feed.post/y"))));
    StagedOp gone;
    gone.kind = OpKind::delete_actor;
    CHECK(waits(group.next(gone)));
}

TEST_CASE("deleting a post while the group holds a repost, or gating a post of the group, applies the group first",
          "[stages][set_group]") {
    Batch group;
    const std::string carols_post = "at://did:plc:carol/app.bsky.feed.post/x";
    REQUIRE(joins(group.next(like(alice, "l1", carols_post))));
    CHECK(passes(group.next(record_op(OpKind::del, "did:plc:carol", "app.bsky.feed.post", "x"))));
    auto repost = record_op(OpKind::create, alice, "app.bsky.feed.repost", "r1", true);
    repost.subject = carols_post;
    REQUIRE(joins(group.next(repost)));
    CHECK(passes(group.next(reply(bob, "r2", "at://did:plc:dave/app.bsky.feed.post/y",
                                  "at://did:plc:dave/app.bsky.feed.post/y"))));
    CHECK(waits(group.next(record_op(OpKind::del, "did:plc:carol", "app.bsky.feed.post", "x"))));
    REQUIRE(joins(group.next(repost)));
    // Not only a post the group reposts: a repost created again may keep a feed item of another post.
    CHECK(waits(group.next(record_op(OpKind::del, "did:plc:carol", "app.bsky.feed.post", "other"))));
    REQUIRE(joins(group.next(plain_post(alice, "p1"))));
    CHECK(passes(group.next(record_op(OpKind::create, alice, "app.bsky.feed.threadgate", "p2"))));
    CHECK(waits(group.next(record_op(OpKind::create, alice, "app.bsky.feed.threadgate", "p1"))));
}

TEST_CASE("backfilled records join the group like creates; a repo's begin waits for a group holding its records",
          "[stages][set_group]") {
    Batch group;
    auto record = plain_post(alice, "p1");
    record.kind = OpKind::repo_record;
    CHECK(joins(group.next(record)));
    auto reply_record = reply(alice, "r1", record.uri, record.uri);
    reply_record.kind = OpKind::repo_record;
    CHECK(waits(group.next(reply_record)));
    REQUIRE(joins(group.next(like(alice, "l1", record.uri))));
    // A backfilled repost joins only under a URI the database does not hold: only a post it reposts waits.
    auto repost = record_op(OpKind::repo_record, alice, "app.bsky.feed.repost", "r1", true);
    repost.subject = "at://did:plc:carol/app.bsky.feed.post/x";
    REQUIRE(joins(group.next(repost)));
    const std::string daves_post = "at://did:plc:dave/app.bsky.feed.post/y";
    auto other_reply = reply(alice, "r2", daves_post, daves_post);
    other_reply.kind = OpKind::repo_record;
    CHECK(passes(group.next(other_reply)));
    auto reposted = record_op(OpKind::repo_record, "did:plc:carol", "app.bsky.feed.post", "x");
    CHECK(waits(group.next(reposted)));
    REQUIRE(joins(group.next(like(alice, "l1", record.uri))));
    // A repo's end: apply_batch applies the group first when the repo was not fresh (migration 0014).
    StagedOp end;
    end.kind = OpKind::repo_end;
    end.did = alice;
    CHECK(passes(group.next(end)));
    // Another repo's begin reads only that repo's records; the same repo's begin reads the group's.
    StagedOp begin;
    begin.kind = OpKind::repo_begin;
    begin.did = bob;
    CHECK(passes(group.next(begin)));
    begin.did = alice;
    CHECK(waits(group.next(begin)));
    StagedOp status;
    status.kind = OpKind::repo_status;
    REQUIRE(joins(group.next(like(alice, "l1", record.uri))));
    CHECK(waits(group.next(status)));
}

TEST_CASE("a set-based reply joins unless it reads the group, and the group is applied before an op that would "
          "change what its replies read",
          "[stages][set_group]") {
    const std::string carols_post = "at://did:plc:carol/app.bsky.feed.post/x";
    const auto set_reply = [](const std::string& did, const std::string& rkey, const std::string& parent,
                              const std::string& root) {
        auto op = reply(did, rkey, parent, root);
        op.set_based = true;
        return op;
    };
    Batch group;
    REQUIRE(joins(group.next(like(alice, "l1", carols_post))));
    CHECK(joins(group.next(set_reply(bob, "r1", carols_post, carols_post))));
    // Its parent's record written after it: the group first.
    CHECK(waits(group.next(record_op(OpKind::del, "did:plc:carol", "app.bsky.feed.post", "x"))));
    REQUIRE(joins(group.next(set_reply(bob, "r1", carols_post, carols_post))));
    CHECK(group.next(plain_post("did:plc:carol", "x")).apply_before);  // joins, but after r1's group
    CHECK(group.next(set_reply(bob, "r1", carols_post, carols_post)).apply_before);  // now reads x of the group
    // A post update or delete may change an ancestor further up (a post create applied one by one is
    // left to apply_batch's check); so may a thread gate or a list item.
    CHECK(passes(group.next(reply(alice, "q1", carols_post, carols_post))));
    CHECK(waits(group.next(record_op(OpKind::update, "did:plc:dave", "app.bsky.feed.post", "y"))));
    REQUIRE(joins(group.next(set_reply(bob, "r1", carols_post, carols_post))));
    CHECK(waits(group.next(record_op(OpKind::create, "did:plc:carol", "app.bsky.feed.threadgate", "x"))));
    REQUIRE(joins(group.next(set_reply(bob, "r1", carols_post, carols_post))));
    CHECK(waits(group.next(record_op(OpKind::del, alice, "app.bsky.graph.listitem", "i1"))));
    // A follow between the reply's author and the root's, joining or not; other follows join or pass.
    REQUIRE(joins(group.next(set_reply(bob, "r1", carols_post, carols_post))));
    auto unrelated = record_op(OpKind::create, alice, "app.bsky.graph.follow", "f1", true);
    unrelated.subject = "did:plc:carol";
    CHECK(joins(group.next(unrelated)));
    CHECK(passes(group.next(record_op(OpKind::del, "did:plc:dave", "app.bsky.graph.follow", "f2"))));
    auto related = record_op(OpKind::create, "did:plc:carol", "app.bsky.graph.follow", "f3", true);
    related.subject = bob;
    CHECK(group.next(related).apply_before);
    REQUIRE(joins(group.next(set_reply(alice, "r2", carols_post, carols_post))));
    CHECK(waits(group.next(record_op(OpKind::del, "did:plc:carol", "app.bsky.graph.follow", "f4"))));
    // A reply to a post of the group, or of itself, does not read it from the group.
    const auto post = plain_post(alice, "p1");
    REQUIRE(joins(group.next(post)));
    CHECK(group.next(set_reply(bob, "r3", post.uri, post.uri)).apply_before);
    const auto self = set_reply(bob, "r4", "at://did:plc:bob/app.bsky.feed.post/r4", carols_post);
    CHECK(passes(group.next(self)));
    // Likes, reposts, blocks and plain posts elsewhere touch nothing a reply reads.
    CHECK(joins(group.next(like(alice, "l2", carols_post))));
    CHECK(joins(group.next(plain_post("did:plc:dave", "p9"))));
}
