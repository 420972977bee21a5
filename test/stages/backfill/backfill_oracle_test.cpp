// Backfills every repo CAR of pds-capture through RepoClassifier and the batch applier into a
// migrated database and compares it with the app-view's own backfill (reference-backfill.sql.gz)
// using the project's compare tool (indexedAt is the clock on this path and is ignored); and every
// fixture CAR with an expected.json, its records counted into their collections' tables.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include <fmt/core.h>
#include <simdjson.h>

#include "atproto/syntax/datetime.hpp"
#include "stages/backfill/repo_classifier.hpp"
#include "storage/pg/connection.hpp"
#include "storage/schema/migrator.hpp"
#include "test/atproto/fixtures.hpp"
#include "test/stages/backfill/capture_repos.hpp"
#include "test/support/fixtures.hpp"
#include "test/support/throwaway_postgres.hpp"

namespace {

using stages::batch_write::RepoOutcome;

// The reference indexed the repos one after another in DID order (its actor and record
// indexedAt stamps increase with the DID), each repo's records in MST key order.
std::vector<test_backfill::ListedRepo> in_did_order() {
    auto repos = test_backfill::listed_repos();
    std::sort(repos.begin(), repos.end(), [](const auto& a, const auto& b) { return a.did < b.did; });
    return repos;
}

void migrate(const std::string& url) {
    storage::pg::Connection conn(url);
    REQUIRE(storage::schema::Migrator(conn).run());
}

// The dataplane table of each record collection, every one with a creator column.
const std::map<std::string, std::string> collection_tables{
    {"app.bsky.actor.profile", "profile"},       {"app.bsky.feed.post", "post"},
    {"app.bsky.feed.like", "\"like\""},          {"app.bsky.feed.repost", "repost"},
    {"app.bsky.graph.follow", "follow"},         {"app.bsky.graph.block", "actor_block"},
    {"app.bsky.graph.list", "list"},             {"app.bsky.graph.listitem", "list_item"},
    {"app.bsky.feed.generator", "feed_generator"}, {"app.bsky.graph.starterpack", "starter_pack"},
    {"app.bsky.feed.threadgate", "thread_gate"}, {"app.bsky.feed.postgate", "post_gate"},
};

// Records the classifier staged for their table, per collection.
std::map<std::string, std::int64_t> staged_per_collection(const std::vector<stages::classify::StagedOp>& ops) {
    std::map<std::string, std::int64_t> out;
    for (const auto& op : ops) {
        if (op.kind == stages::classify::OpKind::repo_record && !op.json.empty() && op.extra) ++out[*op.extra];
    }
    return out;
}

}  // namespace

TEST_CASE("backfilling the capture's repos in DID order equals the app-view's backfill", "[backfill][oracle]") {
    test_support::ThrowawayPostgres db;
    migrate(db.url());
    const auto repos = in_did_order();
    const auto clock = test_backfill::reference_clock();
    const auto results = test_backfill::backfill(db.url(), repos, 100, clock);

    REQUIRE(results.size() == repos.size());
    std::size_t indexed = 0, inactive = 0;
    for (const auto& r : results) {
        INFO(r.did << ": " << r.detail);
        CHECK((r.outcome == RepoOutcome::indexed || r.outcome == RepoOutcome::inactive));
        indexed += r.outcome == RepoOutcome::indexed;
        inactive += r.outcome == RepoOutcome::inactive;
    }
    CHECK(indexed == 29);
    CHECK(inactive == 2);
    test_backfill::check_equals_reference_but_races(db.url());

    storage::pg::Connection conn(db.url());
    auto r = conn.exec("SELECT status, count(*) FROM bsky.backfill_repo GROUP BY status ORDER BY status", "counting");
    REQUIRE(r.rows() == 2);
    CHECK(r.value(0, 0) == "inactive");
    CHECK(r.value(0, 1) == "2");
    CHECK(r.value(1, 0) == "indexed");
    CHECK(r.value(1, 1) == "29");
}

TEST_CASE("backfilling the same repos again at the same revs changes nothing", "[backfill][oracle]") {
    test_support::ThrowawayPostgres db;
    migrate(db.url());
    const auto repos = in_did_order();
    const auto clock = test_backfill::reference_clock();
    test_backfill::backfill(db.url(), repos, 5000, clock);
    const auto again = test_backfill::backfill(db.url(), repos, 37);
    for (const auto& r : again) CHECK((r.outcome == RepoOutcome::indexed || r.outcome == RepoOutcome::inactive));
    test_backfill::check_equals_reference_but_races(db.url());
}

TEST_CASE("every record of every fixture CAR is counted as its expected.json says and reaches its table",
          "[backfill][oracle]") {
    test_support::ThrowawayPostgres db;
    migrate(db.url());
    auto validator = atproto::lexicon::Validator::create_embedded();
    REQUIRE(validator);
    const stages::backfill::RepoClassifyConfig config;
    stages::backfill::RepoClassifier classifier(*validator, config);
    std::size_t checked = 0;
    for (const auto& relative : test_atproto::fixture_cars_with_expected()) {
        INFO(relative);
        const auto car = test_atproto::read_bytes(test_atproto::shared_path("fixtures/" + relative));
        auto expected_path = test_atproto::shared_path("fixtures/" + relative);
        expected_path.replace(expected_path.size() - 4, 4, ".expected.json");
        simdjson::dom::parser parser;
        const auto expected = parser.load(expected_path).value();
        const std::string did(expected["commit"]["did"].get_string().value());
        // The actor first, as the daemon stages it (no handle: identity is not this test's subject).
        std::vector<stages::classify::StagedOp> ops(1);
        ops.front().kind = stages::classify::OpKind::actor;
        ops.front().did = did;
        ops.front().time = atproto::syntax::now_iso_millis();
        const auto summary = classifier.classify({did, car, atproto::syntax::now_iso_millis(), nullptr},
                                                 [&](stages::classify::StagedOp&& op) { ops.push_back(std::move(op)); });
        bool complete = true;
        if (expected["mst"]["walk_complete"].get(complete) != simdjson::SUCCESS) complete = true;
        if (!summary) {
            // v2 repos (no rev) and partial CARs are refused whole, never half-indexed.
            INFO(summary.error().detail);
            CHECK((expected["commit"]["rev"].error() || !complete));
            continue;
        }
        REQUIRE(complete);
        CHECK(summary->records == static_cast<std::size_t>(expected["mst"]["record_count"].get_int64().value()));
        const auto result = test_backfill::apply(db.url(), ops);
        REQUIRE(result.repos.size() == 1);
        if (result.repos.front().outcome == stages::batch_write::RepoOutcome::stale) continue;  // an older state
        CHECK(result.repos.front().outcome == stages::batch_write::RepoOutcome::indexed);
        const auto staged = staged_per_collection(ops);
        storage::pg::Connection conn(db.url());
        simdjson::dom::object collections;
        REQUIRE(expected["mst"]["collections"].get(collections) == simdjson::SUCCESS);
        for (const auto [collection, count] : collections) {
            const auto table = collection_tables.find(std::string(collection));
            if (table == collection_tables.end()) continue;
            INFO(collection);
            const auto it = staged.find(table->first);
            const auto rows = conn.exec_params(fmt::format("SELECT count(*) FROM bsky.{} WHERE creator = $1", table->second),
                                               {did});
            CHECK(std::stoll(std::string(rows.value(0, 0))) == (it == staged.end() ? 0 : it->second));
            CHECK((it == staged.end() ? 0 : it->second) <= count.get_int64().value());
        }
        ++checked;
    }
    CHECK(checked >= 8);
}
