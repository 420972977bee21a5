// One run of the backfill benchmark: a synthetic network (replay/synthetic_network) served on
// 127.0.0.1 as relay (listRepos), PDS (getRepo) and PLC directory, and the daemon's
// BackfillIndexer (enumerate → repo_backfill → fetch → classify → BackfillWriter) writing it into
// PostgreSQL until every repo's outcome committed. Single-threaded use; blocks for the run.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "common/log.hpp"
#include "common/result.hpp"

namespace bin::bench {

struct BackfillRunSpec {
    std::string database_url;
    std::filesystem::path network_dir;  // written by write_synthetic_network
    std::size_t repos = 0;
    std::size_t workers = 32;           // BACKFILLER_WORKERS
    std::size_t writers = 2;            // BACKFILLER_WRITERS
    std::size_t batch_ops = 1'000;      // BACKFILLER_BATCH_SIZE
    std::size_t high_water = 100'000;   // BACKFILLER_OUTPUT_HIGH_WATER_MARK
};

struct BackfillRunResult {
    double seconds = 0;                 // indexer start → the last repo's outcome committed
    std::uint64_t repos_indexed = 0, repos_failed = 0, bad_car = 0, records = 0, ops = 0, batches = 0;
    std::uint64_t car_bytes = 0, retries = 0, plc_requests = 0;
    double fetch_seconds = 0, classify_seconds = 0, push_wait_seconds = 0;  // summed over workers
    double apply_seconds = 0;           // the writer inside BatchApplier::apply
    double cpu_seconds = 0;             // this process, user + system, during the run
    double postgres_cpu_seconds = 0;    // every local postgres process during the run
    std::uint64_t rss_before_kib = 0, peak_rss_kib = 0;  // VmRSS at start, VmHWM at the end
};

[[nodiscard]] common::Result<BackfillRunResult> run_backfill(const BackfillRunSpec& spec, const common::Log& log);

}  // namespace bin::bench
