// The live writer with two lanes against a real PostgreSQL: random firehose batches (replies to
// posts created later, gates, deletes, duplicates, follows between the same actors) written through
// BatchWriteStage on two lanes give exactly the rows of applying them in order on one connection,
// and a batch the database refuses is still written event by event with only the bad event skipped.
#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <fmt/core.h>

#include "common/log.hpp"
#include "stages/batch_write/batch_applier.hpp"
#include "stages/batch_write/batch_write_stage.hpp"
#include "storage/pg/connection.hpp"
#include "storage/schema/migrator.hpp"
#include "test/stages/batch_write/random_firehose.hpp"
#include "test/stages/batch_write/same_rows.hpp"
#include "test/support/throwaway_postgres.hpp"

namespace {

using stages::classify::ClassifiedEvent;
using stages::classify::OpKind;
using stages::classify::StagedOp;

const std::string cursor_key = "firehose:test";

// Splits a RandomFirehose batch (a commit op and a record op per event) into its events.
std::vector<ClassifiedEvent> events_of(const std::vector<StagedOp>& ops, std::uint64_t& ordinal) {
    std::vector<ClassifiedEvent> events;
    for (const auto& op : ops) {
        if (op.kind == OpKind::commit) {
            auto& event = events.emplace_back();
            event.ordinal = ordinal++;
            event.seq = op.seq;
        }
        events.back().ops.push_back(op);
    }
    return events;
}

stages::batch_write::BatchWriteConfig lane_config(const std::string& url) {
    stages::batch_write::BatchWriteConfig config;
    config.database_url = url;
    config.max_batch_ops = 1'000'000;  // a batch ends at flush()
    config.lanes = 2;
    config.lane_min_ops = 20;  // the 8-event batches are written whole in order
    config.lane_min_percent = 0;  // these batches are small networks replying to themselves
    return config;
}

// A writer on `config` and what it needs; finish() destroys it, which waits for its batches in flight.
struct LaneWriter {
    LaneWriter(const stages::batch_write::BatchWriteConfig& config, const common::Log& log,
               stages::batch_write::WriterHooks hooks = {}) {
        stage.emplace(config, std::vector<std::string>{cursor_key}, inbox, std::move(hooks), metrics, abort.get_token(),
                      log.component("writer"));
    }
    void add(ClassifiedEvent&& event) { stage->process(std::move(event), emit); }
    void flush() { stage->flush(emit); }
    void finish() { stage.reset(); }

    stages::batch_write::WriterInbox inbox;
    stages::batch_write::BatchWriteMetrics metrics;
    std::stop_source abort;
    pipeline::VectorEmit<pipeline::Nothing> emit;
    std::optional<stages::batch_write::BatchWriteStage> stage;
};

void migrate(const std::string& url) {
    storage::pg::Connection conn(url);
    REQUIRE(storage::schema::Migrator(conn).run());
}

// One event of `did`: its commit (revision `rev`) and `op`.
ClassifiedEvent event_of(std::uint64_t ordinal, std::int64_t seq, const std::string& did, int rev, StagedOp op) {
    const std::string t = fmt::format("2026-11-27T12:00:{:02}.000Z", seq);
    StagedOp commit;
    commit.kind = OpKind::commit;
    commit.seq = seq;
    commit.did = did;
    commit.cid = test_support::random_firehose_cid;
    commit.rev = fmt::format("3l{:011}", rev);
    commit.time = t;
    op.seq = seq;
    op.did = did;
    op.time = t;
    if (op.kind != OpKind::del) {
        op.cid = test_support::random_firehose_cid;
        op.created_at = t;
    }
    ClassifiedEvent event;
    event.ordinal = ordinal;
    event.seq = seq;
    event.ops = {commit, op};
    return event;
}

StagedOp record_op(OpKind kind, const std::string& collection, const std::string& uri, std::string json = {},
                   std::string subject = {}) {
    StagedOp op;
    op.kind = kind;
    op.extra = collection;
    op.uri = uri;
    op.json = std::move(json);
    op.subject = std::move(subject);
    op.set_based = kind == OpKind::create;
    return op;
}

// The lane LaneSplit gives `did`'s likes.
std::size_t lane_of(const std::string& did) {
    stages::batch_write::LaneSplit split(2);
    return split.next(event_of(0, 1, did, 1, record_op(OpKind::create, "app.bsky.feed.like", "at://x/y/z")).ops);
}

}  // namespace

TEST_CASE("random batches written on two lanes give the rows of applying them in order", "[batch_write][lanes]") {
    const common::Log log(spdlog::level::off);
    std::uint64_t lane_ops = 0, give_ways = 0, ops = 0;
    for (const std::uint32_t seed : {31U, 32U, 33U, 34U}) {
        INFO("seed " << seed);
        // Twelve actors: enough that most events find their repo on a lane, few enough that
        // replies, follows and deletes keep landing on each other's rows.
        test_support::RandomFirehose firehose(seed, 'b', 12);
        std::vector<std::vector<StagedOp>> batches;
        for (int b = 0; b < 10; ++b) batches.push_back(firehose.batch(b % 4 == 0 ? 8 : 200));
        test_support::ThrowawayPostgres lanes_db, ordered_db;
        migrate(lanes_db.url());
        migrate(ordered_db.url());

        const auto config = lane_config(lanes_db.url());
        LaneWriter writer(config, log);
        std::uint64_t ordinal = 0;
        for (const auto& batch : batches) {
            for (auto& event : events_of(batch, ordinal)) writer.add(std::move(event));
            writer.flush();
        }
        writer.finish();
        const auto& metrics = writer.metrics;
        {
            storage::pg::Connection conn(ordered_db.url());
            stages::batch_write::BatchApplier applier(conn);
            for (const auto& batch : batches) {
                const stages::batch_write::CursorUpdate cursor{cursor_key, batch.back().seq};
                applier.apply(batch, {&cursor, 1});
            }
        }
        CHECK(metrics.poison_events == 0);
        lane_ops += metrics.lane_ops;
        give_ways += metrics.lane_give_ways;
        ops += metrics.ops;
        CHECK(test_support::same_rows(lanes_db.url(), ordered_db.url(), "lanes-compare.log"));
    }
    // Both paths were exercised: lanes committed work (a modest share: with twelve actors, most
    // repos soon have a reply or a post delete in the batch, or in the batch before, whose ordered
    // part the lanes run beside, which makes their later events dependent), and posts with replies
    // indexed before them made lanes give way.
    INFO("lane ops " << lane_ops << ", ordered ops " << ops);
    CHECK(lane_ops > 100);
    CHECK(give_ways > 0);
}

TEST_CASE("a batch refused on a lane is written event by event, the refused event skipped, the cursor past all",
          "[batch_write][lanes]") {
    test_support::ThrowawayPostgres db;
    migrate(db.url());
    const common::Log log(spdlog::level::off);
    const auto config = lane_config(db.url());
    std::vector<std::int64_t> committed;
    stages::batch_write::WriterHooks hooks;
    hooks.committed = [&](std::uint32_t, std::int64_t seq) { committed.push_back(seq); };
    test_support::RandomFirehose firehose(41, 'b', 12);
    auto ops = firehose.batch(60);
    // One like's record is not JSON: apply_batch's cast fails and the database refuses its lane's part.
    std::string poisoned;
    for (auto& op : ops) {
        if (op.kind == OpKind::create && op.extra == "app.bsky.feed.like") {
            op.json = "{not json";
            poisoned = op.uri;
            break;
        }
    }
    REQUIRE_FALSE(poisoned.empty());
    std::uint64_t ordinal = 0;
    const auto events = events_of(ops, ordinal);
    LaneWriter writer(config, log, hooks);
    for (auto event : events) writer.add(std::move(event));
    writer.flush();
    writer.finish();
    const auto& metrics = writer.metrics;

    CHECK(metrics.poison_events == 1);
    CHECK(metrics.events == 60);
    CHECK(metrics.lane_give_ways >= 1);
    CHECK(metrics.lane_ops + metrics.ops == ops.size() - 2);  // all but the refused event's two ops
    REQUIRE_FALSE(committed.empty());
    CHECK(committed.back() == ops.back().seq);
    storage::pg::Connection conn(db.url());
    CHECK(std::string(conn.exec("SELECT cursor FROM bsky.sub_state WHERE service = 'firehose:test'").value(0, 0)) ==
          std::to_string(ops.back().seq));
    CHECK(conn.exec_params("SELECT 1 FROM bsky.record WHERE uri = $1", {poisoned}, "reading").rows() == 0);
    CHECK(std::stoll(std::string(conn.exec("SELECT count(*) FROM bsky.record").value(0, 0))) > 30);
}

TEST_CASE("a lane's part of the next batch waits for the ordered part its lane gave its events to",
          "[batch_write][lanes]") {
    test_support::ThrowawayPostgres db;
    migrate(db.url());
    const common::Log log(spdlog::level::off);
    auto config = lane_config(db.url());
    config.lane_min_ops = 1;
    // Repo a's lane gives way in batch 1 (its post has a reply indexed before it), so a's like goes
    // to batch 1's ordered part; batch 2 deletes that like on the same lane. The other lane's part of
    // batch 1 (b's follow) is held on a table lock, so batch 1's ordered part cannot run yet.
    const std::string a = fmt::format("did:plc:{:a>24}", 'a');
    std::string b;
    for (char c = 'b'; b.empty() || lane_of(b) == lane_of(a); ++c) b = fmt::format("did:plc:{:a>24}", c);
    const std::string c = fmt::format("did:plc:{:c>24}", 'c');
    const std::string post = "at://" + a + "/app.bsky.feed.post/p1";
    const std::string like = "at://" + a + "/app.bsky.feed.like/l1";
    const std::string post_json = R"({"$type":"app.bsky.feed.post","text":"hi","createdAt":"2026-11-27T12:00:00.000Z"})";
    {
        auto reply = record_op(OpKind::create, "app.bsky.feed.post", "at://" + c + "/app.bsky.feed.post/r1",
                               fmt::format(R"({{"$type":"app.bsky.feed.post","text":"re","reply":{{)"
                                           R"("root":{{"uri":"{0}","cid":"{1}"}},"parent":{{"uri":"{0}","cid":"{1}"}}}},)"
                                           R"("createdAt":"2026-11-27T12:00:00.000Z"}})",
                                           post, test_support::random_firehose_cid));
        reply.reply_parent = reply.reply_root = post;
        storage::pg::Connection conn(db.url());
        stages::batch_write::BatchApplier applier(conn);
        applier.apply(event_of(0, 1, c, 1, reply).ops, {});
    }
    LaneWriter writer(config, log);
    // Declared after the writer: should the test throw, the lock goes before the writer waits for its lanes.
    storage::pg::Connection locker(db.url());
    locker.exec("BEGIN");
    locker.exec("LOCK TABLE bsky.follow IN SHARE ROW EXCLUSIVE MODE");
    {
        const std::string like_json = fmt::format(
            R"({{"$type":"app.bsky.feed.like","subject":{{"uri":"{}","cid":"{}"}},"createdAt":"2026-11-27T12:00:00.000Z"}})",
            "at://" + c + "/app.bsky.feed.post/r1", test_support::random_firehose_cid);
        const std::string follow_json = fmt::format(
            R"({{"$type":"app.bsky.graph.follow","subject":"{}","createdAt":"2026-11-27T12:00:00.000Z"}})", c);
        writer.add(event_of(0, 10, a, 1, record_op(OpKind::create, "app.bsky.feed.post", post, post_json)));
        writer.add(event_of(1, 11, a, 2, record_op(OpKind::create, "app.bsky.feed.like", like, like_json,
                                                   "at://" + c + "/app.bsky.feed.post/r1")));
        writer.add(event_of(2, 12, b, 1, record_op(OpKind::create, "app.bsky.graph.follow",
                                                   "at://" + b + "/app.bsky.graph.follow/f1", follow_json, c)));
        writer.flush();
        writer.add(event_of(3, 13, a, 3, record_op(OpKind::del, "app.bsky.feed.like", like)));
        writer.flush();

        // Once b's lane waits on the lock, a's lane has had time to run ahead if it were allowed to.
        storage::pg::Connection watcher(db.url());
        for (int i = 0; i < 200; ++i) {
            if (watcher.exec("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock'").rows() > 0) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        locker.exec("COMMIT");
    }
    writer.finish();
    CHECK(writer.metrics.lane_give_ways >= 1);
    CHECK(writer.metrics.stale_writes == 0);
    storage::pg::Connection conn(db.url());
    // Applied one by one: the post and the like, then the like's delete.
    CHECK(conn.exec_params("SELECT 1 FROM bsky.post WHERE uri = $1", {post}, "reading").rows() == 1);
    CHECK(conn.exec_params("SELECT 1 FROM bsky.\"like\" WHERE uri = $1", {like}, "reading").rows() == 0);
    CHECK(conn.exec_params("SELECT 1 FROM bsky.record WHERE uri = $1", {like}, "reading").rows() == 0);
    CHECK(conn.exec("SELECT 1 FROM bsky.follow").rows() == 1);
}
