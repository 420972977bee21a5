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
    const auto times = test_backfill::reference_backfill_times();
    const auto clock = [&](const std::string& did) {
        const auto it = times.find(did);
        return it == times.end() ? test_backfill::now_iso() : it->second;
    };
    test_backfill::backfill(db.url(), repos, 5000, clock);
    const auto again = test_backfill::backfill(db.url(), repos, 37);
    for (const auto& r : again) CHECK((r.outcome == RepoOutcome::indexed || r.outcome == RepoOutcome::inactive));
    test_backfill::check_equals_reference_but_races(db.url());
}
