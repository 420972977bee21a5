// The rev and reconciliation rules of a backfilled repo against the live path's writes
// (docs/indexing.md "Backfill"): a newer live write wins, a live delete is not resurrected, a
// record the CAR no longer has is deleted with its notifications and counts, a live commit
// between two batches of a backfill discards its rest, a lost session never reconciles.
#include <catch2/catch.hpp>

#include <algorithm>

#include "stages/backfill/repo_classifier.hpp"
#include "storage/pg/connection.hpp"
#include "storage/schema/migrator.hpp"
#include "test/stages/backfill/capture_repos.hpp"
#include "test/support/throwaway_postgres.hpp"

namespace {

using stages::batch_write::RepoOutcome;
using stages::classify::OpKind;
using stages::classify::StagedOp;

// alice: a repo with a profile, posts, likes (pds-capture/README).
const std::string alice = "did:plc:6hf3ere46otfb636zn7mt2lv";
const std::string bob = "did:plc:nuftpih56uyxinjh4horny7z";
const std::string alice_profile = "at://" + alice + "/app.bsky.actor.profile/self";
const std::string newer_rev = "3n4aaaaaaaaaa";  // after every rev of the capture
const std::string older_rev = "3n2aaaaaaaaaa";  // before every rev of the capture

std::string query(const std::string& url, const std::string& sql) {
    storage::pg::Connection conn(url);
    auto r = conn.exec(sql, "test query");
    std::string out;
    for (int row = 0; row < r.rows(); ++row) out += std::string(r.value(row, 0)) + "\n";
    return out;
}

test_backfill::ListedRepo listed(const std::string& did) {
    for (const auto& r : test_backfill::listed_repos()) {
        if (r.did == did) return r;
    }
    FAIL("not listed: " << did);
    return {};
}

// The ops of a live #commit: the commit header, then its record ops.
std::vector<StagedOp> live_commit(const std::string& did, const std::string& rev, std::vector<StagedOp> ops) {
    static std::int64_t seq = 1'000'000;
    ++seq;
    StagedOp header;
    header.kind = OpKind::commit;
    header.seq = seq;
    header.did = did;
    header.cid = "bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
    header.rev = rev;
    header.time = "2026-12-01T00:00:00.000Z";
    ops.insert(ops.begin(), header);
    for (auto& op : ops) {
        op.seq = seq;
        op.did = did;
        op.time = header.time;
    }
    return ops;
}

StagedOp record_op(OpKind kind, const std::string& uri, const std::string& collection, std::string json = {}) {
    StagedOp op;
    op.kind = kind;
    op.uri = uri;
    op.cid = "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm";
    op.json = std::move(json);
    op.created_at = "2024-06-01T00:00:00.000Z";
    op.extra = collection;
    return op;
}

std::vector<StagedOp> repo_ops(const std::string& did) {
    auto validator = atproto::lexicon::Validator::create_embedded();
    REQUIRE(validator);
    const stages::backfill::RepoClassifyConfig config;
    stages::backfill::RepoClassifier classifier(*validator, config);
    std::vector<StagedOp> ops;
    const auto car = test_backfill::repo_car(did);
    REQUIRE(car);
    REQUIRE(classifier.classify({did, *car, "2026-12-02T00:00:00.000Z", nullptr},
                                [&](StagedOp&& op) { ops.push_back(std::move(op)); }));
    return ops;
}

struct Fixture {
    test_support::ThrowawayPostgres db;
    Fixture() {
        storage::pg::Connection conn(db.url());
        REQUIRE(storage::schema::Migrator(conn).run());
    }
    RepoOutcome backfill(const std::string& did) {
        const auto results = test_backfill::backfill(db.url(), {listed(did)}, 1000);
        REQUIRE(results.size() == 1);
        return results[0].outcome;
    }
};

}  // namespace

TEST_CASE("a newer live write wins over a backfill of an older rev", "[backfill][rules]") {
    Fixture f;
    REQUIRE(f.backfill(alice) == RepoOutcome::indexed);
    const auto profile = R"({"$type":"app.bsky.actor.profile","displayName":"Live"})";
    test_backfill::apply(f.db.url(), live_commit(alice, newer_rev,
                                                 {record_op(OpKind::update, alice_profile, "app.bsky.actor.profile",
                                                            profile)}));
    CHECK(f.backfill(alice) == RepoOutcome::stale);
    CHECK(query(f.db.url(), "SELECT \"displayName\" FROM bsky.profile WHERE uri = '" + alice_profile + "'") ==
          "Live\n");
    CHECK(query(f.db.url(), "SELECT \"repoRev\" FROM bsky.actor_sync WHERE did = '" + alice + "'") ==
          newer_rev + "\n");
    CHECK(query(f.db.url(), "SELECT status || ' ' || last_error FROM bsky.backfill_repo") ==
          "queued stale: the database holds rev " + newer_rev + ", newer than the backfill's " + listed(alice).rev +
              "\n");
}

TEST_CASE("a record deleted live is not resurrected by an older backfill", "[backfill][rules]") {
    Fixture f;
    test_backfill::apply(f.db.url(), live_commit(alice, newer_rev,
                                                 {record_op(OpKind::del, alice_profile, "app.bsky.actor.profile")}));
    CHECK(f.backfill(alice) == RepoOutcome::stale);
    CHECK(query(f.db.url(), "SELECT count(*) FROM bsky.record WHERE did = '" + alice + "'") == "0\n");
}

TEST_CASE("a record the CAR does not have is deleted with its notification and counts", "[backfill][rules]") {
    Fixture f;
    REQUIRE(f.backfill(bob) == RepoOutcome::indexed);
    const auto bob_post = query(f.db.url(), "SELECT uri FROM bsky.post WHERE creator = '" + bob +
                                                "' ORDER BY uri LIMIT 1");
    const std::string post_uri = bob_post.substr(0, bob_post.size() - 1);
    // A like the live path indexed at an old rev; the repo later lost it (a delete the relay dropped).
    const std::string like_uri = "at://" + alice + "/app.bsky.feed.like/3kzzzzzzzzzzz";
    const auto like = R"({"$type":"app.bsky.feed.like","createdAt":"2024-06-01T00:00:00.000Z","subject":{"uri":")" +
                      post_uri + R"(","cid":"bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"}})";
    test_backfill::apply(f.db.url(), live_commit(alice, older_rev,
                                                 {record_op(OpKind::create, like_uri, "app.bsky.feed.like", like)}));
    REQUIRE(query(f.db.url(), "SELECT count(*) FROM bsky.notification WHERE \"recordUri\" = '" + like_uri + "'") ==
            "1\n");

    CHECK(f.backfill(alice) == RepoOutcome::indexed);
    CHECK(query(f.db.url(), "SELECT count(*) FROM bsky.record WHERE uri = '" + like_uri + "'") == "0\n");
    CHECK(query(f.db.url(), "SELECT count(*) FROM bsky.\"like\" WHERE uri = '" + like_uri + "'") == "0\n");
    CHECK(query(f.db.url(), "SELECT count(*) FROM bsky.notification WHERE \"recordUri\" = '" + like_uri + "'") ==
          "0\n");
    // The count is that of the like rows left (alice's CAR may like the post too).
    CHECK(query(f.db.url(), "SELECT \"likeCount\" FROM bsky.post_agg WHERE uri = '" + post_uri + "'") ==
          query(f.db.url(), "SELECT count(*) FROM bsky.\"like\" WHERE subject = '" + post_uri + "'"));
    CHECK(query(f.db.url(), "SELECT \"repoRev\" FROM bsky.actor_sync WHERE did = '" + alice + "'") ==
          listed(alice).rev + "\n");
}

TEST_CASE("a live commit between two batches of a backfill discards the rest of it", "[backfill][rules]") {
    Fixture f;
    auto ops = repo_ops(alice);
    REQUIRE(ops.size() > 20);
    storage::pg::Connection conn(f.db.url());
    stages::batch_write::BatchApplier backfill_writer(conn);
    const std::vector<StagedOp> first(ops.begin(), ops.begin() + 10);
    const std::vector<StagedOp> rest(ops.begin() + 10, ops.end());
    REQUIRE(backfill_writer.apply(first, {}).repos.empty());
    const std::string live_uri = "at://" + alice + "/app.bsky.feed.post/3kzzzzzzzzzzz";
    const auto post = R"({"$type":"app.bsky.feed.post","text":"live","createdAt":"2024-06-01T00:00:00.000Z"})";
    test_backfill::apply(f.db.url(), live_commit(alice, newer_rev,
                                                 {record_op(OpKind::create, live_uri, "app.bsky.feed.post", post)}));
    const auto result = backfill_writer.apply(rest, {});
    REQUIRE(result.repos.size() == 1);
    CHECK(result.repos[0].outcome == RepoOutcome::stale);
    // The first batch's indexable records and the live post; nothing of the rest, nothing reconciled away.
    const auto indexable = std::count_if(first.begin(), first.end(), [](const StagedOp& op) {
        return op.kind == OpKind::repo_record && !op.json.empty();
    });
    CHECK(query(f.db.url(), "SELECT count(*) FROM bsky.record WHERE did = '" + alice + "'") ==
          std::to_string(indexable + 1) + "\n");
    CHECK(query(f.db.url(), "SELECT count(*) FROM bsky.record WHERE uri = '" + live_uri + "'") == "1\n");
}

TEST_CASE("a repo whose writer session was lost is reported incomplete and not reconciled", "[backfill][rules]") {
    Fixture f;
    auto ops = repo_ops(alice);
    const std::vector<StagedOp> first(ops.begin(), ops.end() - 1);
    {
        storage::pg::Connection conn(f.db.url());
        stages::batch_write::BatchApplier lost(conn);
        REQUIRE(lost.apply(first, {}).repos.empty());
    }
    const auto held = query(f.db.url(), "SELECT count(*) FROM bsky.record WHERE did = '" + alice + "'");
    const auto result = test_backfill::apply(f.db.url(), {ops.back()});
    REQUIRE(result.repos.size() == 1);
    CHECK(result.repos[0].outcome == RepoOutcome::incomplete);
    CHECK(query(f.db.url(), "SELECT count(*) FROM bsky.record WHERE did = '" + alice + "'") == held);
    CHECK(query(f.db.url(), "SELECT status FROM bsky.backfill_repo") == "queued\n");
}
