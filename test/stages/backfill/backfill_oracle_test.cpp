// Backfills every repo CAR of pds-capture through RepoClassifier and the batch applier into a
// migrated database and compares it with the app-view's own backfill (reference-backfill.sql.gz)
// using the project's compare tool (indexedAt is the clock on this path and is ignored).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include <fmt/core.h>

#include "storage/pg/connection.hpp"
#include "storage/schema/migrator.hpp"
#include "test/stages/backfill/capture_repos.hpp"
#include "test/support/fixtures.hpp"
#include "test/support/throwaway_postgres.hpp"

namespace {

using stages::batch_write::RepoOutcome;

// The rows the reference's backfill left to a race: its indexRepo applies a repo's records
// concurrently (Promise.all), so a record that depends on another of the same repo sees it or
// not by chance. In the capture: ysgej's postgate committed before its post (hasPostGate stays
// NULL), j5jx's follow of alice committed before its reply to alice's follower-gated thread (the
// reply does not violate the gate, alice's post counts it and alice gets its notification).
// wintermute applies a repo in MST key order, deterministically (docs/indexing.md "Backfill").
const std::vector<std::string> racy_in_reference{
    "at://did:plc:ysgejvukp4usq2f5gbfmbjhl/app.bsky.feed.post/3khxva2ce4kuc",
    "at://did:plc:j5jxhjkjqiltrj3hsu3qwr3y/app.bsky.feed.post/3khxv5jbu5su7",
    "at://did:plc:6hf3ere46otfb636zn7mt2lv/app.bsky.feed.post/3khxv22zhxcu5",
};

// Runs the compare tool; returns the lines that name a differing row ("    missing: …").
std::vector<std::string> differing_rows(const std::string& url) {
    const char* tool = std::getenv("WINTERMUTE_COMPARE_TOOL");
    REQUIRE(tool != nullptr);
    const int status = std::system(fmt::format("python3 '{}' dump-vs-db '{}' '{}' --sql reference-backfill.sql.gz "
                                               "-v 100 >compare-backfill.log 2>&1",
                                               tool, test_support::shared_path("fixtures/pds-capture"), url)
                                       .c_str());
    std::ifstream log("compare-backfill.log");
    std::vector<std::string> rows;
    bool ended = false;
    for (std::string line; std::getline(log, line);) {
        if (line.starts_with("    ")) rows.push_back(line);
        ended = ended || line == "DIFFERENT" || line == "IDENTICAL";
    }
    INFO("compare tool exit status " << status);
    REQUIRE(ended);
    return rows;
}

// Every difference from the reference is one of its racy rows, and each racy row differs the way
// the race explains: 2 post flags, 1 replyCount, 1 reply notification.
void check_equals_reference_but_races(const std::string& url) {
    const auto rows = differing_rows(url);
    for (const auto& row : rows) {
        INFO(row);
        CHECK(std::any_of(racy_in_reference.begin(), racy_in_reference.end(),
                          [&](const std::string& uri) { return row.find(uri) != std::string::npos; }));
    }
    CHECK(rows.size() == 4);
}

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

}  // namespace

TEST_CASE("backfilling the capture's repos in DID order equals the app-view's backfill", "[backfill][oracle]") {
    test_support::ThrowawayPostgres db;
    migrate(db.url());
    const auto repos = in_did_order();
    // The reference's clock per repo, so that values derived from indexedAt (a starterpack-joined
    // notification's sortAt is the profile's indexedAt) compare too.
    const auto times = test_backfill::reference_backfill_times();
    const auto clock = [&](const std::string& did) {
        const auto it = times.find(did);
        return it == times.end() ? test_backfill::now_iso() : it->second;
    };
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
    check_equals_reference_but_races(db.url());

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
    const auto times = test_backfill::reference_backfill_times();
    const auto clock = [&](const std::string& did) {
        const auto it = times.find(did);
        return it == times.end() ? test_backfill::now_iso() : it->second;
    };
    test_backfill::backfill(db.url(), repos, 5000, clock);
    const auto again = test_backfill::backfill(db.url(), repos, 37);
    for (const auto& r : again) CHECK((r.outcome == RepoOutcome::indexed || r.outcome == RepoOutcome::inactive));
    check_equals_reference_but_races(db.url());
}
