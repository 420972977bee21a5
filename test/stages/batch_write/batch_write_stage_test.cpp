// BatchWriteStage against a real PostgreSQL: a batch the database refuses is written again event
// by event, the refused event is skipped (counted, logged) with the cursor moved past it, and the
// events around it are committed whole.
#include <catch2/catch.hpp>

#include <stop_token>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "common/log.hpp"
#include "stages/batch_write/batch_write_stage.hpp"
#include "storage/pg/connection.hpp"
#include "storage/schema/migrator.hpp"
#include "test/support/throwaway_postgres.hpp"

namespace {

using stages::classify::ClassifiedEvent;
using stages::classify::OpKind;
using stages::classify::StagedOp;

constexpr const char* cid = "bafyreibbvuvlyhgpw46oktgv7ggfpuivms3y7xsfocxsys2ahdyr4uyola";

// One firehose event: a commit and a like of `n` by its own repo; `json` replaces the like's record.
ClassifiedEvent like_event(std::uint64_t n, const std::string& json = {}) {
    const auto did = fmt::format("did:plc:{:a>24}", n);
    const auto t = fmt::format("2026-11-27T12:00:{:02}.000Z", n);
    ClassifiedEvent event;
    event.ordinal = n;
    event.seq = static_cast<std::int64_t>(100 + n);
    StagedOp commit;
    commit.kind = OpKind::commit;
    commit.seq = *event.seq;
    commit.did = did;
    commit.cid = cid;
    commit.rev = "3l0000000000" + std::to_string(n);
    commit.time = t;
    StagedOp like = commit;
    like.kind = OpKind::create;
    like.uri = fmt::format("at://{}/app.bsky.feed.like/l{}", did, n);
    like.subject = "at://did:plc:subjectsubjectsubjectsubj/app.bsky.feed.post/p1";
    like.extra = "app.bsky.feed.like";
    like.created_at = t;
    like.json = json.empty() ? fmt::format(R"({{"$type":"app.bsky.feed.like","subject":{{"uri":"{}","cid":"{}"}},)"
                                           R"("createdAt":"{}"}})",
                                           like.subject, cid, t)
                             : json;
    event.ops = {commit, like};
    return event;
}

}  // namespace

TEST_CASE("a refused batch is written event by event: the refused event is skipped, the others commit",
          "[batch_write][stage]") {
    test_support::ThrowawayPostgres db;
    storage::pg::Connection conn(db.url());
    REQUIRE(storage::schema::Migrator(conn).run());

    const common::Log log(spdlog::level::off);
    stages::batch_write::BatchWriteConfig config;
    config.database_url = db.url();
    config.max_batch_ops = 1000;
    stages::batch_write::WriterInbox inbox;
    stages::batch_write::BatchWriteMetrics metrics;
    std::vector<std::int64_t> committed;
    stages::batch_write::WriterHooks hooks;
    hooks.committed = [&](std::uint32_t, std::int64_t seq) { committed.push_back(seq); };
    std::stop_source abort;
    stages::batch_write::BatchWriteStage stage(config, {"firehose:test"}, inbox, hooks, metrics, abort.get_token(),
                                               log.component("writer"));
    pipeline::VectorEmit<pipeline::Nothing> emit;
    // The second event's record is not JSON: apply_batch's cast fails and the database refuses
    // the whole batch (a bug or an input classify let through; retrying cannot help).
    stage.process(like_event(0), emit);
    stage.process(like_event(1, "{not json"), emit);
    stage.process(like_event(2), emit);
    stage.flush(emit);

    CHECK(metrics.poison_events == 1);
    CHECK(metrics.events == 3);
    CHECK(metrics.ops == 4);  // the two events committed, two ops each
    CHECK(committed == std::vector<std::int64_t>{100, 101, 102});
    CHECK(std::string(conn.exec("SELECT string_agg(uri, ' ' ORDER BY uri) FROM bsky.\"like\"").value(0, 0)) ==
          fmt::format("at://did:plc:{:a>24}/app.bsky.feed.like/l0 at://did:plc:{:a>24}/app.bsky.feed.like/l2", 0, 2));
    CHECK(std::string(conn.exec("SELECT \"likeCount\" FROM bsky.post_agg").value(0, 0)) == "2");
    CHECK(std::string(conn.exec("SELECT cursor FROM bsky.sub_state WHERE service = 'firehose:test'").value(0, 0)) ==
          "102");
}
