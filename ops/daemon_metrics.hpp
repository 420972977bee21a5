// The daemon's Prometheus metrics beyond the runner's per-stage/per-queue/spill ones (those are
// pipeline::Metrics): the original's ingester_/indexer_/backfiller_ names, per-source cursor and
// connection gauges, lag and commit-latency histograms, DB pool and backfill-by-state gauges.
// Counters and histograms are updated where the work happens (prometheus-cpp objects are atomic);
// gauges that mirror a DaemonStatus are set by publish() at scrape time.
// Thread-safety: every method from any thread. References returned stay valid for its lifetime.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "ops/daemon_status.hpp"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
}  // namespace prometheus

namespace ops {

class DaemonMetrics {
public:
    // Registers every family with `registry`, which must outlive this object.
    explicit DaemonMetrics(prometheus::Registry& registry);
    ~DaemonMetrics();
    DaemonMetrics(const DaemonMetrics&) = delete;
    DaemonMetrics& operator=(const DaemonMetrics&) = delete;

    // ingester_*: `type` is the frame type (commit, identity, account, sync, info, labels) for
    // events and an error class for errors (connection, decode, database are there from the
    // start; others appear when first used). Labelled lookups take a lock: keep the reference.
    [[nodiscard]] prometheus::Counter& firehose_events(std::string_view type);
    [[nodiscard]] prometheus::Counter& ingester_errors(std::string_view type);
    [[nodiscard]] prometheus::Gauge& firehose_live_length();      // live events not yet committed
    [[nodiscard]] prometheus::Gauge& firehose_backfill_length();  // backfill events waiting (memory + spill)
    [[nodiscard]] prometheus::Gauge& label_live_length();         // labels not yet committed

    // indexer_*
    [[nodiscard]] prometheus::Counter& records_processed();
    [[nodiscard]] prometheus::Counter& records_failed();
    [[nodiscard]] prometheus::Counter& stale_writes_skipped();
    [[nodiscard]] prometheus::Counter& post_events();
    [[nodiscard]] prometheus::Counter& like_events();
    [[nodiscard]] prometheus::Counter& follow_events();
    [[nodiscard]] prometheus::Counter& repost_events();
    [[nodiscard]] prometheus::Counter& block_events();
    [[nodiscard]] prometheus::Counter& profile_events();

    // wintermute_writer_*: the live writer's ops by path (label path: lane, ordered) and its lanes'
    // transactions that gave way to the ordered part (docs/indexing.md "Writer lanes").
    [[nodiscard]] prometheus::Counter& writer_ops(std::string_view path);
    [[nodiscard]] prometheus::Counter& lane_give_ways();

    // backfiller_*
    [[nodiscard]] prometheus::Counter& repos_processed();
    [[nodiscard]] prometheus::Counter& repos_failed();
    [[nodiscard]] prometheus::Counter& records_extracted();

    // Seconds from an event's own time (commit `time`) to its commit in PostgreSQL, and from its
    // arrival on the socket to that commit.
    [[nodiscard]] prometheus::Histogram& event_lag();
    [[nodiscard]] prometheus::Histogram& receive_lag();
    // Seconds per batch transaction (COPY, upserts, cursor, COMMIT).
    [[nodiscard]] prometheus::Histogram& batch_commit_seconds();

    // Sets the gauges that mirror a snapshot: per-source cursor, connected, last-frame age and lag
    // (labels host, kind), ingester_websocket_connections (label type), the DB pool, the database
    // reachability, backfill repos by state and repos remaining. Sources absent from the snapshot
    // keep their last values.
    void publish(const DaemonStatus& status);

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

// Publishes a cumulative count kept elsewhere (a stage's std::atomic) into a Prometheus counter
// without double counting: each sync adds only the increase since the previous sync.
// Thread-safety: sync from one thread at a time (the scrape's collect hook).
class CounterMirror {
public:
    explicit CounterMirror(prometheus::Counter& counter) : counter_(&counter) {}
    void sync(std::uint64_t total);

private:
    prometheus::Counter* counter_;
    std::uint64_t seen_ = 0;
};

}  // namespace ops
