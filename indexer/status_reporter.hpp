// StatusReporter: what the ops server shows of the live indexer and, when there is one, the
// backfill. status() builds the snapshot for /_health, /api/status and the dashboard from the
// stages' atomics; collect() brings the original's Prometheus counters up to date before a scrape.
// Both run on the ops server's thread while the pipeline runs: they only read atomics and what the
// BackfillReporter sampled on its own thread.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "indexer/backfill_reporter.hpp"
#include "indexer/live_indexer.hpp"
#include "ops/daemon_metrics.hpp"
#include "ops/daemon_status.hpp"

namespace indexer {

class StatusReporter {
public:
    // `backfill` (optional) must outlive this object.
    StatusReporter(const LiveIndexer& live, pipeline::Metrics& runner_metrics, ops::DaemonMetrics& metrics,
                   const BackfillReporter* backfill = nullptr);

    [[nodiscard]] ops::DaemonStatus status() const;
    void collect();
    // The writer's lag hook: arrival → commit of each committed event (shown as the relays' lag).
    void observe_lag(double seconds) noexcept { last_lag_s_.store(seconds, std::memory_order_relaxed); }

private:
    void mirror(const std::atomic<std::uint64_t>& total, prometheus::Counter& counter);
    void mirror_backfill(const BackfillMetrics& backfill);

    const LiveIndexer& live_;
    const BackfillReporter* backfill_;
    pipeline::Metrics& runner_metrics_;
    ops::DaemonMetrics& metrics_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    std::vector<std::pair<const std::atomic<std::uint64_t>*, ops::CounterMirror>> mirrors_;
    std::atomic<double> last_lag_s_{-1};
};

}  // namespace indexer
