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

}  // namespace

TEST_CASE("random batches give the same rows applied set-based as applied one by one", "[batch_write][set_group]") {
    for (const std::uint32_t seed : {1U, 2U, 3U, 4U, 5U, 6U}) {
        INFO("seed " << seed);
        RandomFirehose firehose(seed);
        std::vector<std::vector<StagedOp>> grouped;
        for (int b = 0; b < 12; ++b) grouped.push_back(firehose.batch(b % 3 == 0 ? 5 : 150));
        auto one_by_one = grouped;
        std::size_t set_based = 0;
        for (auto& batch : one_by_one) {
            for (auto& op : batch) set_based += op.set_based ? 1 : 0, op.set_based = false;
        }
        REQUIRE(set_based > 500);
        test_support::ThrowawayPostgres a, b;
        apply_all(a.url(), grouped);
        apply_all(b.url(), one_by_one);
        CHECK(test_support::same_rows(a.url(), b.url(), "set-based-compare.log"));
        storage::pg::Connection conn(a.url());
        // The batches did what they are for: duplicates, notifications, gated replies.
        CHECK(std::stoll(std::string(conn.exec("SELECT count(*) FROM bsky.duplicate_record").value(0, 0))) > 0);
        CHECK(std::stoll(std::string(conn.exec("SELECT count(*) FROM bsky.notification").value(0, 0))) > 100);
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
