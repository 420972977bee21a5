#include "indexer/status_reporter.hpp"

#include <fmt/format.h>
#include <prometheus/gauge.h>

namespace indexer {

namespace {

using stages::classify::CountedCollection;
using stages::socket_read::Stream;

std::size_t index_of(CountedCollection c) { return static_cast<std::size_t>(c); }

std::string stage_name(const SourceState& s) {
    return fmt::format("{}:{}", s.stream == Stream::repos ? "firehose_read" : "label_read", s.endpoint.authority);
}

}  // namespace

StatusReporter::StatusReporter(const LiveIndexer& live, pipeline::Metrics& runner_metrics,
                               ops::DaemonMetrics& metrics, const BackfillReporter* backfill)
    : live_(live), backfill_(backfill), runner_metrics_(runner_metrics), metrics_(metrics) {
    const auto& c = live.classify_metrics();
    const auto& w = live.writer_metrics();
    mirror(c.commits, metrics.firehose_events("commit"));
    mirror(c.syncs, metrics.firehose_events("sync"));
    mirror(c.identities, metrics.firehose_events("identity"));
    mirror(c.accounts, metrics.firehose_events("account"));
    mirror(c.infos, metrics.firehose_events("info"));
    mirror(c.labels, metrics.firehose_events("labels"));
    mirror(live.decode_metrics().bad_frames, metrics.ingester_errors("decode"));
    for (const auto& source : live.sources()) {
        mirror(source->socket_metrics.oversize_frames, metrics.ingester_errors("oversize"));
        mirror(source->socket_metrics.protocol_errors, metrics.ingester_errors("websocket"));
    }
    mirror(c.bad_cars, metrics.ingester_errors("decode"));
    mirror(c.commits_failed_verification, metrics.ingester_errors("verification"));
    mirror(w.retries, metrics.ingester_errors("database"));
    mirror(c.records_staged, metrics.records_processed());
    mirror(c.deletes_staged, metrics.records_processed());
    for (const auto& rejected : c.records_rejected) mirror(rejected, metrics.records_failed());
    mirror(w.stale_writes, metrics.stale_writes_skipped());
    mirror(w.lane_ops, metrics.writer_ops("lane"));
    mirror(w.ops, metrics.writer_ops("ordered"));
    mirror(w.lane_give_ways, metrics.lane_give_ways());
    mirror(c.collection_events[index_of(CountedCollection::post)], metrics.post_events());
    mirror(c.collection_events[index_of(CountedCollection::like)], metrics.like_events());
    mirror(c.collection_events[index_of(CountedCollection::follow)], metrics.follow_events());
    mirror(c.collection_events[index_of(CountedCollection::repost)], metrics.repost_events());
    mirror(c.collection_events[index_of(CountedCollection::block)], metrics.block_events());
    mirror(c.collection_events[index_of(CountedCollection::profile)], metrics.profile_events());
    if (backfill_ != nullptr) mirror_backfill(backfill_->metrics());
}

void StatusReporter::mirror(const std::atomic<std::uint64_t>& total, prometheus::Counter& counter) {
    mirrors_.emplace_back(&total, ops::CounterMirror(counter));
}

void StatusReporter::mirror_backfill(const BackfillMetrics& b) {
    // Processed: every repo whose backfill ended without failing, indexed or found inactive.
    for (const auto* done : {&b.writer.indexed, &b.writer.inactive, &b.inactive}) {
        mirror(*done, metrics_.repos_processed());
    }
    for (const auto* failed : {&b.writer.failed, &b.fetch_failed, &b.bad_car}) mirror(*failed, metrics_.repos_failed());
    mirror(b.records, metrics_.records_extracted());
    mirror(b.writer.retries, metrics_.ingester_errors("database"));
}

void StatusReporter::collect() {
    for (auto& [total, mirror] : mirrors_) mirror.sync(total->load(std::memory_order_relaxed));
    // Frames read and not yet committed, per stream: in the queues, the reorder buffer or a batch.
    double repos_waiting = 0;
    double labels_waiting = 0;
    for (const auto& source : live_.sources()) {
        const auto read = source->socket_metrics.frames.load(std::memory_order_relaxed);
        const auto done = source->frames_committed.load(std::memory_order_relaxed);
        (source->stream == Stream::repos ? repos_waiting : labels_waiting) +=
            static_cast<double>(read > done ? read - done : 0);
    }
    metrics_.firehose_live_length().Set(repos_waiting);
    metrics_.label_live_length().Set(labels_waiting);
    if (backfill_ != nullptr) {
        metrics_.firehose_backfill_length().Set(static_cast<double>(backfill_->waiting_ops()));
        backfill_->publish(runner_metrics_);
    }
    runner_metrics_.update();
}

ops::DaemonStatus StatusReporter::status() const {
    ops::DaemonStatus s;
    s.version = "0.1.0";
    s.uptime_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    const auto& stages = live_.config().stages;
    auto stage = [&](const std::string& name, std::uint32_t threads) -> ops::StageStatus& {
        const auto& counters = runner_metrics_.stage(name);
        return s.stages.emplace_back(ops::StageStatus{name, "live", threads, counters.items_in.load(),
                                                      counters.items_out.load(), counters.rejected.load(),
                                                      counters.errors.load(),
                                                      static_cast<double>(counters.busy_ns.load()) / 1e9});
    };
    const double lag = last_lag_s_.load(std::memory_order_relaxed);
    for (const auto& source : live_.sources()) {
        ops::RelayStatus r;
        r.host = source->endpoint.authority;
        r.kind = source->stream == Stream::repos ? ops::SourceKind::relay : ops::SourceKind::labeler;
        r.connected = source->socket_metrics.connected.load();
        if (const auto c = source->committed.load(); c >= 0) r.cursor = c;
        if (const auto last = source->socket_metrics.last_frame_unix_ms.load(); last > 0) {
            r.last_frame_age_s = static_cast<double>(now_ms - last) / 1000.0;
        }
        if (lag >= 0) r.lag_s = lag;
        s.relays.push_back(std::move(r));
        // A source's produce time is mostly waiting on the network: not work, so not shown as busy.
        stage(stage_name(*source), 1).busy_seconds = 0;
    }
    stage("decode", static_cast<std::uint32_t>(stages.decode.threads));
    stage("classify", static_cast<std::uint32_t>(stages.classify.threads));
    // The writer's output is its commits: the events it has committed.
    stage("batch_write", 1).items_out = live_.writer_metrics().events.load();
    auto queue = [&](const std::string& name, std::size_t capacity, std::string from, std::string to) {
        const auto& q = runner_metrics_.queue(name, capacity);
        s.queues.push_back({name, std::move(from), std::move(to),
                            static_cast<std::uint64_t>(std::max<std::int64_t>(0, q.depth.load())), q.capacity, 0, 0});
    };
    queue("frames", stages.decode.queue_capacity, "socket_read", "decode");
    queue("decoded", stages.classify.queue_capacity, "decode", "classify");
    queue("events", stages.batch_write.queue_capacity, "classify", "batch_write");
    if (backfill_ != nullptr) backfill_->fill(s);
    s.db.reachable = live_.writer_metrics().connected.load() || live_.writer_metrics().batches.load() == 0;
    // The writers' sessions: the live writer's lanes' and the backfill writers' (docs/operations.md).
    s.db.pool_in_use = live_.writer_metrics().connections.load() +
                       (backfill_ != nullptr ? backfill_->metrics().writer.connections.load() : 0);
    s.db.pool_size = static_cast<std::uint32_t>(live_.config().database.pool_size);
    return s;
}

}  // namespace indexer
