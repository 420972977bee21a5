// Random firehose batches over a handful of actors and rkeys — so that likes repeat, URIs are created
// twice, replies and gates land on posts of the same batch, and deletes promote duplicates — applied
// through the batch applier twice: as staged (set-based creates grouped, migration 0008) and with
// every set_based flag cleared (one by one). The two databases must be equal row for row.
#include <catch2/catch.hpp>

#include <array>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fmt/core.h>

#include "stages/batch_write/batch_applier.hpp"
#include "storage/pg/connection.hpp"
#include "storage/schema/migrator.hpp"
#include "test/stages/batch_write/random_firehose.hpp"
#include "test/stages/batch_write/same_rows.hpp"
#include "test/support/throwaway_postgres.hpp"

namespace {

using stages::classify::OpKind;
using stages::classify::StagedOp;

constexpr const char* cid = test_support::random_firehose_cid;
using test_support::RandomFirehose;

void apply_all(const std::string& url, const std::vector<std::vector<StagedOp>>& batches) {
    storage::pg::Connection conn(url);
    REQUIRE(storage::schema::Migrator(conn).run());
    stages::batch_write::BatchApplier applier(conn);
    for (const auto& batch : batches) applier.apply(batch, {});
}

// Applies the batches as staged into `grouped` and with every set_based flag cleared into `one_by_one`;
// returns how many ops were set-based.
std::size_t apply_both_ways(const std::string& grouped, const std::string& one_by_one,
                            const std::vector<std::vector<StagedOp>>& batches) {
    auto cleared = batches;
    std::size_t set_based = 0;
    for (auto& batch : cleared) {
        for (auto& op : batch) set_based += op.set_based ? 1 : 0, op.set_based = false;
    }
    apply_all(grouped, batches);
    apply_all(one_by_one, cleared);
    return set_based;
}

}  // namespace

TEST_CASE("random batches give the same rows applied set-based as applied one by one", "[batch_write][set_group]") {
    for (const std::uint32_t seed : {1U, 2U, 3U, 4U, 5U, 6U}) {
        INFO("seed " << seed);
        RandomFirehose firehose(seed);
        std::vector<std::vector<StagedOp>> grouped;
        for (int b = 0; b < 12; ++b) grouped.push_back(firehose.batch(b % 3 == 0 ? 5 : 150));
        test_support::ThrowawayPostgres a, b;
        CHECK(apply_both_ways(a.url(), b.url(), grouped) > 500);
        CHECK(test_support::same_rows(a.url(), b.url(), "set-based-compare.log"));
        storage::pg::Connection conn(a.url());
        // The batches did what they are for: duplicates, notifications, gated replies.
        CHECK(std::stoll(std::string(conn.exec("SELECT count(*) FROM bsky.duplicate_record").value(0, 0))) > 0);
        CHECK(std::stoll(std::string(conn.exec("SELECT count(*) FROM bsky.notification").value(0, 0))) > 100);
    }
}

TEST_CASE("random threads give the same rows with their replies applied set-based as applied one by one",
          "[batch_write][set_group]") {
    for (const std::uint32_t seed : {11U, 12U, 13U}) {
        INFO("seed " << seed);
        // Replies answer recent posts: threads several levels deep, gated, hidden, mentioning.
        RandomFirehose firehose(seed);
        firehose.threads(100);
        std::vector<std::vector<StagedOp>> grouped;
        for (int b = 0; b < 16; ++b) grouped.push_back(firehose.batch(b % 4 == 0 ? 5 : 250));
        test_support::ThrowawayPostgres a, b;
        CHECK(apply_both_ways(a.url(), b.url(), grouped) > 1000);
        CHECK(test_support::same_rows(a.url(), b.url(), "set-based-threads-compare.log"));
        storage::pg::Connection conn(a.url());
        const auto count = [&](const char* sql) { return std::stoll(std::string(conn.exec(sql).value(0, 0))); };
        // What the replies' rules are for happened: notifications up the thread, invalid roots, gates.
        CHECK(count("SELECT count(*) FROM bsky.notification WHERE reason = 'reply'") > 50);
        CHECK(count("SELECT count(*) FROM bsky.notification n JOIN bsky.post p ON p.uri = n.\"reasonSubject\" "
                    "WHERE n.reason = 'reply' AND p.uri <> (SELECT q.\"replyParent\" FROM bsky.post q "
                    "WHERE q.uri = n.\"recordUri\")") > 20);
        CHECK(count("SELECT count(*) FROM bsky.post WHERE \"invalidReplyRoot\"") > 10);
        CHECK(count("SELECT count(*) FROM bsky.post WHERE \"violatesThreadGate\"") > 5);
    }
}

TEST_CASE("a reply under a thread gate sees the follow that a group of the same batch holds",
          "[batch_write][set_group]") {
    const std::string owner = "did:plc:ownerownerownerownerowne";
    const std::string replier = "did:plc:replierreplierreplierrepl";
    const std::string t = "2026-11-27T12:00:00.000Z";
    const std::string post = "at://" + owner + "/app.bsky.feed.post/p0";
    std::int64_t seq = 0;
    std::map<std::string, int> revs;
    auto event = [&](const std::string& did, StagedOp op) {
        StagedOp commit;
        commit.kind = OpKind::commit;
        commit.seq = ++seq;
        commit.did = did;
        commit.cid = cid;
        commit.rev = fmt::format("3l{:011}", ++revs[did]);
        commit.time = t;
        op.seq = seq;
        op.did = did;
        op.cid = cid;
        op.time = t;
        op.created_at = t;
        return std::vector<StagedOp>{commit, op};
    };
    auto record = [&](const std::string& did, const std::string& collection, const std::string& rkey,
                      const std::string& json) {
        StagedOp op;
        op.uri = "at://" + did + "/" + collection + "/" + rkey;
        op.extra = collection;
        op.json = json;
        return op;
    };
    std::vector<StagedOp> first, second;
    auto root = record(owner, "app.bsky.feed.post", "p0",
                       R"({"$type":"app.bsky.feed.post","text":"hi","createdAt":")" + t + "\"}");
    root.set_based = true;
    for (auto& op : event(owner, root)) first.push_back(op);
    for (auto& op : event(owner, record(owner, "app.bsky.feed.threadgate", "p0",
                                        R"({"$type":"app.bsky.feed.threadgate","post":")" + post +
                                            R"(","allow":[{"$type":"app.bsky.feed.threadgate#followingRule"}],)"
                                            R"("createdAt":")" + t + "\"}"))) {
        first.push_back(op);
    }
    auto follow = record(owner, "app.bsky.graph.follow", "f0",
                         R"({"$type":"app.bsky.graph.follow","subject":")" + replier + R"(","createdAt":")" + t +
                             "\"}");
    follow.set_based = true;
    follow.subject = replier;
    for (auto& op : event(owner, follow)) second.push_back(op);
    auto reply = record(replier, "app.bsky.feed.post", "r0",
                        R"({"$type":"app.bsky.feed.post","text":"yo","reply":{"root":{"uri":")" + post +
                            R"(","cid":")" + cid + R"("},"parent":{"uri":")" + post + R"(","cid":")" + cid +
                            R"("}},"createdAt":")" + t + "\"}");
    reply.reply_parent = post;
    reply.reply_root = post;
    for (auto& op : event(replier, reply)) second.push_back(op);

    test_support::ThrowawayPostgres db;
    apply_all(db.url(), {first, second});
    storage::pg::Connection conn(db.url());
    // The owner follows the replier (the follow came first in the batch): the reply is allowed.
    CHECK(std::string(conn.exec("SELECT coalesce(\"violatesThreadGate\", false)::text FROM bsky.post WHERE uri = "
                                "'at://" + replier + "/app.bsky.feed.post/r0'").value(0, 0)) == "false");
    CHECK(std::string(conn.exec("SELECT count(*) FROM bsky.follow").value(0, 0)) == "1");
}

TEST_CASE("a set-based reply reads what it reads one by one: a hidden ancestor, a parent or grandparent created "
          "after it",
          "[batch_write][set_group]") {
    const std::string t = "2026-11-27T12:00:00.000Z";
    const auto did = [](char c) { return fmt::format("did:plc:{:a>24}", c); };
    const auto post_uri = [&](char author, const std::string& rkey) {
        return "at://" + did(author) + "/app.bsky.feed.post/" + rkey;
    };
    std::int64_t seq = 0;
    std::map<std::string, int> revs;
    std::vector<std::vector<StagedOp>> batches(2);
    // One event of `author` creating `collection`/`rkey` with `json`, in the last batch.
    auto add = [&](std::size_t batch, char author, const std::string& collection, const std::string& rkey,
                   const std::string& json, bool set_based, const std::string& parent = {},
                   const std::string& root = {}) {
        StagedOp commit;
        commit.kind = OpKind::commit;
        commit.seq = ++seq;
        commit.did = did(author);
        commit.cid = cid;
        commit.rev = fmt::format("3l{:011}", ++revs[commit.did]);
        commit.time = t;
        StagedOp op;
        op.kind = OpKind::create;
        op.seq = seq;
        op.did = did(author);
        op.cid = cid;
        op.time = t;
        op.created_at = t;
        op.uri = "at://" + op.did + "/" + collection + "/" + rkey;
        op.extra = collection;
        op.json = json;
        op.set_based = set_based;
        op.reply_parent = parent;
        op.reply_root = root;
        batches[batch].push_back(commit);
        batches[batch].push_back(op);
    };
    const auto post_json = [&](const std::string& extra) {
        return R"({"$type":"app.bsky.feed.post","text":"hi")" + extra + R"(,"createdAt":")" + t + "\"}";
    };
    const auto reply_json = [&](const std::string& parent, const std::string& root) {
        return post_json(fmt::format(R"(,"reply":{{"root":{{"uri":"{}","cid":"{}"}},"parent":{{"uri":"{}","cid":"{}"}}}})",
                                     root, cid, parent, cid));
    };
    const auto reply = [&](std::size_t batch, char author, const std::string& rkey, const std::string& parent,
                           const std::string& root) {
        add(batch, author, "app.bsky.feed.post", rkey, reply_json(parent, root), true, parent, root);
    };
    const auto x = post_uri('b', "x"), p = post_uri('c', "p"), q = post_uri('c', "q"), g = post_uri('e', "g"),
               h = post_uri('e', "h");
    // Batch 1: b's post x, gated to hide c's reply p to it; c's reply q to e's post g, not there yet.
    add(0, 'b', "app.bsky.feed.post", "x", post_json(""), true);
    add(0, 'b', "app.bsky.feed.threadgate", "x",
        R"({"$type":"app.bsky.feed.threadgate","post":")" + x + R"(","hiddenReplies":[")" + p +
            R"("],"createdAt":")" + t + "\"}",
        false);
    reply(0, 'c', "p", x, x);
    reply(0, 'c', "q", g, g);
    // Batch 2, one group: d replies to p (the walk stops after p: b is not notified) and to q; e then
    // creates g (a quote, one by one: q was indexed before it, so it is an ancestor d's reply must not
    // see); f replies to e's post h, which e creates after it (a plain post: it joins the group).
    reply(1, 'd', "r1", p, x);
    reply(1, 'd', "r2", q, x);  // an invalid root, so that g is not one the writer knows it reads
    add(1, 'e', "app.bsky.feed.post", "g",
        post_json(fmt::format(R"(,"embed":{{"$type":"app.bsky.embed.record","record":{{"uri":"{}","cid":"{}"}}}})", x,
                              cid)),
        false);
    reply(1, 'f', "r3", h, h);
    add(1, 'e', "app.bsky.feed.post", "h", post_json(""), true);

    test_support::ThrowawayPostgres a, b;
    CHECK(apply_both_ways(a.url(), b.url(), batches) == 7);
    CHECK(test_support::same_rows(a.url(), b.url(), "set-based-replies-compare.log"));
    storage::pg::Connection conn(a.url());
    const auto notified = [&](const std::string& record) {
        auto r = conn.exec("SELECT coalesce(string_agg(did, ',' ORDER BY did), '') FROM bsky.notification "
                           "WHERE reason = 'reply' AND \"recordUri\" = '" + record + "'");
        return std::string(r.value(0, 0));
    };
    CHECK(notified(post_uri('d', "r1")) == did('c'));  // not b: the gate hides p
    CHECK(notified(post_uri('d', "r2")) == did('c'));  // not e: g came after the reply
    CHECK(notified(post_uri('f', "r3")).empty());      // h came after the reply: no parent
    CHECK(std::string(conn.exec("SELECT \"invalidReplyRoot\"::text FROM bsky.post WHERE uri = '" +
                                post_uri('f', "r3") + "'").value(0, 0)) == "true");
}

TEST_CASE("two writers on disjoint repos apply batches concurrently without deadlocks, aggregates exact",
          "[batch_write][concurrency]") {
    // Two sessions, as the backfill's writers: each writes its own six repos, all like, repost,
    // quote, reply to and follow the same twelve actors' posts and profiles, so their batches
    // update the same post_agg and profile_agg rows. Every aggregate row is locked at the end of a
    // batch in key order (migration 0010); a lock taken in the middle (quoteCount's used to be)
    // makes such writers deadlock within a few batches. Creates only, as a backfill writes: a
    // delete of a post also deletes other repos' rows (the feed items of its reposts, the quotes
    // of it), where two writers can still deadlock, rarely; the victim's batch is retried.
    test_support::ThrowawayPostgres db;
    {
        storage::pg::Connection conn(db.url());
        REQUIRE(storage::schema::Migrator(conn).run());
    }
    struct Writer {
        char first;
        std::uint32_t seed;
        std::size_t batches = 0;
        std::size_t failures = 0;
        std::string last_error;
    };
    std::array<Writer, 2> writers{Writer{'b', 11, 0, 0, {}}, Writer{'h', 12, 0, 0, {}}};
    std::vector<std::thread> threads;
    for (auto& w : writers) {
        threads.emplace_back([&db, &w] {
            RandomFirehose firehose(w.seed, w.first, 6, 12);
            storage::pg::Connection conn(db.url());
            stages::batch_write::BatchApplier applier(conn);
            for (int b = 0; b < 30; ++b) {
                auto batch = firehose.batch(150);
                std::erase_if(batch, [](const StagedOp& op) { return op.kind == OpKind::del; });
                for (int attempt = 0; attempt < 5; ++attempt) {
                    try {
                        applier.apply(batch, {});
                        ++w.batches;
                        break;
                    } catch (const std::exception& e) {  // a deadlock: the writer's retry path
                        ++w.failures;
                        w.last_error = e.what();
                    }
                }
            }
        });
    }
    for (auto& t : threads) t.join();
    for (const auto& w : writers) {
        INFO("writer " << w.first << ": " << w.last_error);
        CHECK(w.batches == 30);
        CHECK(w.failures == 0);
    }
    storage::pg::Connection conn(db.url());
    const auto count = [&](const char* sql) { return std::stoll(std::string(conn.exec(sql).value(0, 0))); };
    CHECK(count("SELECT count(*) FROM bsky.quote") > 10);
    CHECK(count("SELECT count(*) FROM bsky.post_agg WHERE \"likeCount\" > 0") > 20);
    // The deltas are exact: every count equals the rows that hold it.
    CHECK(count("SELECT count(*) FROM bsky.post_agg a WHERE \"likeCount\" <> "
                "(SELECT count(*) FROM bsky.\"like\" l WHERE l.subject = a.uri) OR \"repostCount\" <> "
                "(SELECT count(*) FROM bsky.repost r WHERE r.subject = a.uri)") == 0);
    CHECK(count("SELECT count(*) FROM bsky.\"like\" l WHERE NOT EXISTS "
                "(SELECT 1 FROM bsky.post_agg a WHERE a.uri = l.subject)") == 0);
    CHECK(count("SELECT count(*) FROM bsky.profile_agg a WHERE \"followersCount\" <> "
                "(SELECT count(*) FROM bsky.follow f WHERE f.\"subjectDid\" = a.did) OR \"followsCount\" <> "
                "(SELECT count(*) FROM bsky.follow f WHERE f.creator = a.did)") == 0);
}
