// The pds-capture's repos as the backfill tests need them: the listRepos entries (all pages),
// the getRepo CARs, the handles, and a backfill of them through RepoClassifier + BatchApplier.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "stages/batch_write/batch_applier.hpp"
#include "stages/classify/staged_op.hpp"

namespace test_backfill {

struct ListedRepo {
    std::string did;
    std::string head;
    std::string rev;
    bool active = true;
    std::optional<std::string> status;
};

// Every repo of listRepos.json, in listing order.
std::vector<ListedRepo> listed_repos();
// repos/<did>.car, or nullopt when the capture has none (inactive or deleted repos).
std::optional<std::vector<std::byte>> repo_car(const std::string& did);
// plc/handles.json.
std::map<std::string, std::string> capture_handles();

// did → the one indexedAt the app-view's backfill gave the repo's records (reference-backfill.sql.gz).
std::map<std::string, std::string> reference_backfill_times();

// The indexedAt of a repo's backfill: the local clock in production.
using Clock = std::function<std::string(const std::string& did)>;

// The reference's clock per repo (reference_backfill_times), the local clock for a repo it has not,
// so that values derived from indexedAt (a starterpack-joined notification's sortAt) compare too.
Clock reference_clock();

// Backfills the listed repos in the given order into the database at `url`, staging each repo's
// actor from handles.json first (identity is not this test's subject), in batches of at most
// `batch_ops` ops so that repos span several transactions. Returns every repo's outcome.
std::vector<stages::batch_write::RepoResult> backfill(const std::string& url, const std::vector<ListedRepo>& repos,
                                                      std::size_t batch_ops, const Clock& clock = {});

// Compares the database with reference-backfill.sql.gz (the compare tool named by
// WINTERMUTE_COMPARE_TOOL): every difference is one of the reference's racy rows (Catch checks).
void check_equals_reference_but_races(const std::string& url);

// Applies ops in one batch on a fresh writer session (for live-path writes in the tests).
stages::batch_write::BatchResult apply(const std::string& url, const std::vector<stages::classify::StagedOp>& ops);

}  // namespace test_backfill
