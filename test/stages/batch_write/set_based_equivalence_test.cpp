// Random firehose batches over a handful of actors and rkeys — so that likes repeat, URIs are created
// twice, replies and gates land on posts of the same batch, and deletes promote duplicates — applied
// through the batch applier twice: as staged (set-based creates grouped, migration 0008) and with
// every set_based flag cleared (one by one). The two databases must be equal row for row.
#include <catch2/catch.hpp>

#include <array>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fmt/core.h>

#include "stages/batch_write/batch_applier.hpp"
#include "storage/pg/connection.hpp"
#include "storage/schema/migrator.hpp"
#include "test/support/throwaway_postgres.hpp"

namespace {

using stages::classify::OpKind;
using stages::classify::StagedOp;

constexpr const char* cid = "bafyreibbvuvlyhgpw46oktgv7ggfpuivms3y7xsfocxsys2ahdyr4uyola";

class RandomFirehose {
public:
    // Writes as `authors` actors (did:plc:a…b, a…c, …); likes, replies and quotes go to posts of
    // `subject_authors` actors, follows and blocks to them (by default the writers themselves).
    explicit RandomFirehose(std::uint32_t seed, char first = 'b', int authors = 6, int subject_authors = 0)
        : random_(seed) {
        for (int i = 0; i < authors; ++i) actors_.push_back(fmt::format("did:plc:{:a>24}", static_cast<char>(first + i)));
        for (int i = 0; i < (subject_authors > 0 ? subject_authors : authors); ++i) {
            subjects_.push_back(fmt::format("did:plc:{:a>24}", static_cast<char>((subject_authors > 0 ? 'b' : first) + i)));
        }
        revs_.assign(actors_.size(), 0);
    }

    // One batch: a commit op and one record op per event.
    std::vector<StagedOp> batch(std::size_t events) {
        std::vector<StagedOp> ops;
        for (std::size_t e = 0; e < events; ++e) {
            const auto actor = pick(actors_.size());
            const auto t = fmt::format("2026-11-27T12:{:02}:{:02}.{:03}Z", seq_ / 60000 % 60, seq_ / 1000 % 60,
                                       seq_ % 1000);
            ++seq_;
            StagedOp commit;
            commit.kind = OpKind::commit;
            commit.seq = seq_;
            commit.did = actors_[actor];
            commit.cid = cid;
            commit.rev = fmt::format("3l{:011}", ++revs_[actor]);
            commit.time = t;
            ops.push_back(commit);
            ops.push_back(record(actor, t));
        }
        return ops;
    }

private:
    std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(random_); }
    std::string uri(std::size_t actor, const std::string& collection, const std::string& rkey) const {
        return fmt::format("at://{}/{}/{}", actors_[actor], collection, rkey);
    }
    std::string post_uri() {
        return fmt::format("at://{}/app.bsky.feed.post/p{}", subjects_[pick(subjects_.size())], pick(5));
    }
    const std::string& subject_actor() { return subjects_[pick(subjects_.size())]; }

    StagedOp record(std::size_t actor, const std::string& t) {
        StagedOp op;
        op.kind = OpKind::create;
        op.seq = seq_;
        op.did = actors_[actor];
        op.cid = cid;
        op.time = t;
        op.created_at = t;
        const auto roll = pick(100);
        std::string collection;
        if (roll < 30 || (roll >= 80 && roll < 85)) {
            collection = roll < 30 ? "app.bsky.feed.like" : "app.bsky.feed.repost";
            op.subject = post_uri();
            const auto via = pick(4) == 0 ? fmt::format(R"(,"via":{{"uri":"{}","cid":"{}"}})",
                                                        fmt::format("at://{}/app.bsky.feed.repost/r1", subject_actor()), cid)
                                          : std::string();
            op.json = fmt::format(R"({{"$type":"{}","subject":{{"uri":"{}","cid":"{}"}}{},"createdAt":"{}"}})",
                                  collection, op.subject, cid, via, t);
            op.uri = uri(actor, collection, fmt::format("l{}", pick(8)));
            op.set_based = true;
        } else if (roll < 42) {
            collection = pick(3) == 0 ? "app.bsky.graph.block" : "app.bsky.graph.follow";
            op.subject = subject_actor();
            op.json = fmt::format(R"({{"$type":"{}","subject":"{}","createdAt":"{}"}})", collection, op.subject, t);
            op.uri = uri(actor, collection, fmt::format("f{}", pick(6)));
            op.set_based = true;
        } else if (roll < 65) {
            collection = "app.bsky.feed.post";
            op.uri = uri(actor, collection, fmt::format("p{}", pick(5)));
            const auto kind = pick(10);
            std::string extra;
            if (kind < 4) {  // a reply: parent and root from the same pool of posts
                op.reply_parent = post_uri();
                op.reply_root = pick(2) == 0 ? op.reply_parent : post_uri();
                extra = fmt::format(R"(,"reply":{{"root":{{"uri":"{}","cid":"{}"}},)"
                                    R"("parent":{{"uri":"{}","cid":"{}"}}}})",
                                    op.reply_root, cid, op.reply_parent, cid);
            } else if (kind < 6) {  // a quote
                extra = fmt::format(R"(,"embed":{{"$type":"app.bsky.embed.record",)"
                                    R"("record":{{"uri":"{}","cid":"{}"}}}})",
                                    post_uri(), cid);
            } else if (kind < 8) {  // mentions
                extra = fmt::format(R"(,"facets":[{{"index":{{"byteStart":0,"byteEnd":2}},"features":[{{"$type":)"
                                    R"("app.bsky.richtext.facet#mention","did":"{}"}}]}}])",
                                    subject_actor());
            }
            op.set_based = kind >= 6;  // neither a reply nor a quote
            op.json = fmt::format(R"({{"$type":"app.bsky.feed.post","text":"hi"{},"createdAt":"{}"}})", extra, t);
        } else if (roll < 80) {
            // A delete of something the actor may have written.
            static const char* collections[] = {"app.bsky.feed.like", "app.bsky.feed.repost", "app.bsky.graph.follow",
                                                "app.bsky.feed.post"};
            collection = collections[pick(4)];
            const char prefix = collection == "app.bsky.feed.post"      ? 'p'
                                : collection == "app.bsky.graph.follow" ? 'f'
                                                                        : 'l';
            op.kind = OpKind::del;
            op.uri = uri(actor, collection, fmt::format("{}{}", prefix, pick(8)));
            op.cid.clear();
            op.created_at.reset();
        } else {
            collection = "app.bsky.feed.threadgate";
            const auto rkey = fmt::format("p{}", pick(5));
            op.uri = uri(actor, collection, rkey);
            const auto rule = pick(2) == 0 ? std::string(R"({"$type":"app.bsky.feed.threadgate#followingRule"})")
                                           : std::string();
            op.json = fmt::format(R"({{"$type":"{}","post":"{}","allow":[{}],"createdAt":"{}"}})", collection,
                                  uri(actor, "app.bsky.feed.post", rkey), rule, t);
        }
        op.extra = collection;
        return op;
    }

    std::mt19937 random_;
    std::vector<std::string> actors_;
    std::vector<std::string> subjects_;
    std::vector<int> revs_;
    std::int64_t seq_ = 0;
};

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
        for (const auto& url : {a.url(), b.url()}) {
            storage::pg::Connection(url).exec("DELETE FROM bsky.wintermute_migration");
        }
        const char* tool = std::getenv("WINTERMUTE_COMPARE_TOOL");
        REQUIRE(tool != nullptr);
        const auto command = fmt::format("python3 '{}' db '{}' '{}' --with-indexed-at > set-based-compare.log 2>&1 "
                                         "|| (cat set-based-compare.log; exit 1)", tool, a.url(), b.url());
        CHECK(std::system(command.c_str()) == 0);
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
