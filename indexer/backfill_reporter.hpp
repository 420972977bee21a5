// BackfillReporter: what the ops server shows of the backfill. Its own thread samples the fetch
// workers' occupancy and the writer's waiting ops a few times a second and counts the repos per
// state in bsky.backfill_repo every few seconds, so a slow database delays only this thread, never
// /metrics or /_health. fill() adds the backfill lane (stages, queues, progress) to a snapshot.
// Thread-safety: fill() and the accessors from any thread; construct, detach and destroy from one.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/logger.h>

#include "indexer/backfill_indexer.hpp"
#include "ops/daemon_status.hpp"
#include "pipeline/config.hpp"
#include "pipeline/metrics.hpp"

namespace indexer {

struct BackfillReporterConfig {
    std::string database_url;
    std::uint32_t workers = 0;                  // fetch threads (BACKFILLER_WORKERS)
    std::uint64_t queue_capacity = 0;           // repo_backfill's high-water mark
    std::uint64_t waiting_capacity = 0;         // BACKFILLER_OUTPUT_HIGH_WATER_MARK
    std::chrono::milliseconds sample_every{250};
    std::chrono::milliseconds count_every{2'000};  // the GROUP BY over bsky.backfill_repo, at least
};

[[nodiscard]] BackfillReporterConfig backfill_reporter_config(const pipeline::Config& config);

class BackfillReporter {
public:
    // `backfill` is started, and must outlive this object and every fill() call.
    BackfillReporter(BackfillIndexer& backfill, BackfillReporterConfig config, std::shared_ptr<spdlog::logger> log);
    ~BackfillReporter();
    BackfillReporter(const BackfillReporter&) = delete;
    BackfillReporter& operator=(const BackfillReporter&) = delete;

    // Stops reading the indexer's writer; call before BackfillIndexer::stop(), which destroys it.
    // Quick even while a count is running (the count does not touch the indexer).
    void detach();

    // Appends the backfill stages and queues (lane "backfill") and sets status.backfill.
    void fill(ops::DaemonStatus& status) const;
    // Copies the backfill lane's stages, queues and repo_backfill's spill into the runner's
    // Prometheus families (wintermute_stage_*, wintermute_queue_*, wintermute_spill_*).
    void publish(pipeline::Metrics& runner) const;
    // Backfill ops waiting for the writer, as last sampled (ingester_firehose_backfill_length).
    [[nodiscard]] std::uint64_t waiting_ops() const noexcept { return waiting_ops_.load(std::memory_order_relaxed); }
    [[nodiscard]] const BackfillMetrics& metrics() const noexcept { return backfill_.metrics(); }

private:
    void run(std::stop_token stop);
    void sample(double seconds);
    void count_states(std::optional<storage::pg::Connection>& conn);

    BackfillIndexer& backfill_;
    storage::spill::KeyedSpillQueue* queue_;   // the indexer's; thread-safe, lives as long as it
    BackfillReporterConfig config_;
    std::shared_ptr<spdlog::logger> log_;
    std::mutex indexer_mutex_;              // held while sampling the indexer; detach() takes it
    bool attached_ = true;
    std::atomic<std::uint64_t> waiting_ops_{0};
    std::atomic<std::uint64_t> busy_fetch_ns_{0};  // integral of busy workers over time
    mutable std::mutex states_mutex_;
    std::vector<ops::BackfillStateCount> states_;   // empty until the first count
    std::jthread thread_;
};

}  // namespace indexer
