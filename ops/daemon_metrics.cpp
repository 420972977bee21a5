#include "ops/daemon_metrics.hpp"

#include <map>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace ops {
namespace {

using prometheus::Counter;
using prometheus::Gauge;
using prometheus::Histogram;
using prometheus::Registry;

prometheus::Family<Counter>& counters(Registry& r, const std::string& name, const std::string& help) {
    return prometheus::BuildCounter().Name(name).Help(help).Register(r);
}

prometheus::Family<Gauge>& gauges(Registry& r, const std::string& name, const std::string& help) {
    return prometheus::BuildGauge().Name(name).Help(help).Register(r);
}

Counter& counter(Registry& r, const std::string& name, const std::string& help) {
    return counters(r, name, help).Add({});
}

Gauge& gauge(Registry& r, const std::string& name, const std::string& help) { return gauges(r, name, help).Add({}); }

Histogram& histogram(Registry& r, const std::string& name, const std::string& help,
                     const Histogram::BucketBoundaries& buckets) {
    return prometheus::BuildHistogram().Name(name).Help(help).Register(r).Add({}, buckets);
}

// Live lag is sub-second when healthy and minutes to hours after an outage or during a catch-up.
const Histogram::BucketBoundaries lag_buckets{0.05, 0.1, 0.25, 0.5, 1,   2.5,  5,    10,
                                              30,   60,  300,  900, 3600, 14400, 86400};
const Histogram::BucketBoundaries commit_buckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                 0.25,  0.5,    1,     2.5,  5,     10};

}  // namespace

struct DaemonMetrics::Impl {
    explicit Impl(Registry& r)
        : events(counters(r, "ingester_firehose_events_total", "Frames received from relays and labelers, by type")),
          errors(counters(r, "ingester_errors_total", "Ingest errors, by class")),
          live_length(gauge(r, "ingester_firehose_live_length", "Live firehose events received, not yet committed")),
          backfill_length(gauge(r, "ingester_firehose_backfill_length",
                                "Backfill events waiting to be indexed, in memory and spilled")),
          label_length(gauge(r, "ingester_label_live_length", "Labels received, not yet committed")),
          websockets(gauges(r, "ingester_websocket_connections", "Open relay and labeler connections, by type")),
          processed(counter(r, "indexer_records_processed_total", "Records indexed")),
          failed(counter(r, "indexer_records_failed_total", "Records that could not be indexed")),
          stale(counter(r, "indexer_stale_writes_skipped_total", "Writes skipped as older than the stored rev")),
          posts(counter(r, "indexer_post_events_total", "Post events indexed")),
          likes(counter(r, "indexer_like_events_total", "Like events indexed")),
          follows(counter(r, "indexer_follow_events_total", "Follow events indexed")),
          reposts(counter(r, "indexer_repost_events_total", "Repost events indexed")),
          blocks(counter(r, "indexer_block_events_total", "Block events indexed")),
          profiles(counter(r, "indexer_profile_events_total", "Profile events indexed")),
          writer_ops(counters(r, "wintermute_writer_ops_total",
                              "Ops the live writer committed, by path: on its parallel lanes or in order")),
          lane_give_ways(counter(r, "wintermute_writer_lane_give_ways_total",
                                 "Lane transactions rolled back for the ordered part to apply their events")),
          repos_processed(counter(r, "backfiller_repos_processed_total", "Repos backfilled completely")),
          repos_failed(counter(r, "backfiller_repos_failed_total", "Repos whose backfill failed")),
          records_extracted(counter(r, "backfiller_records_extracted_total", "Records extracted from repo CARs")),
          event_lag(histogram(r, "wintermute_event_lag_seconds", "Event time to commit in PostgreSQL", lag_buckets)),
          receive_lag(histogram(r, "wintermute_receive_lag_seconds", "Socket arrival to commit in PostgreSQL",
                                lag_buckets)),
          commit(histogram(r, "wintermute_batch_commit_seconds", "Duration of one batch transaction", commit_buckets)),
          cursor(gauges(r, "wintermute_source_cursor", "Last committed sequence number, per relay or labeler")),
          connected(gauges(r, "wintermute_source_connected", "1 while the relay or labeler connection is open")),
          frame_age(gauges(r, "wintermute_source_last_frame_age_seconds", "Seconds since the source's last frame")),
          source_lag(gauges(r, "wintermute_source_lag_seconds", "Event time to commit of the source's last commit")),
          pool_in_use(gauge(r, "wintermute_db_pool_in_use", "PostgreSQL connections checked out")),
          pool_size(gauge(r, "wintermute_db_pool_size", "PostgreSQL connections in the pool")),
          db_up(gauge(r, "wintermute_db_reachable", "1 while PostgreSQL answers")),
          repos_by_state(gauges(r, "wintermute_backfill_repos", "Repos in the backfill state store, by state")),
          repos_remaining(gauge(r, "wintermute_backfill_repos_remaining", "Repos the backfill has still to do")) {
        // Present from the first scrape, so rate() and dashboards have a series before any event.
        for (const char* type : {"commit", "identity", "account", "sync", "info", "labels"}) {
            events.Add({{"type", type}});
        }
        for (const char* type : {"relay", "labeler"}) websockets.Add({{"type", type}});
        for (const char* type : {"connection", "decode", "database"}) errors.Add({{"type", type}});
    }

    prometheus::Family<Counter>& events;
    prometheus::Family<Counter>& errors;
    Gauge& live_length;
    Gauge& backfill_length;
    Gauge& label_length;
    prometheus::Family<Gauge>& websockets;
    Counter& processed;
    Counter& failed;
    Counter& stale;
    Counter& posts;
    Counter& likes;
    Counter& follows;
    Counter& reposts;
    Counter& blocks;
    Counter& profiles;
    prometheus::Family<Counter>& writer_ops;
    Counter& lane_give_ways;
    Counter& repos_processed;
    Counter& repos_failed;
    Counter& records_extracted;
    Histogram& event_lag;
    Histogram& receive_lag;
    Histogram& commit;
    prometheus::Family<Gauge>& cursor;
    prometheus::Family<Gauge>& connected;
    prometheus::Family<Gauge>& frame_age;
    prometheus::Family<Gauge>& source_lag;
    Gauge& pool_in_use;
    Gauge& pool_size;
    Gauge& db_up;
    prometheus::Family<Gauge>& repos_by_state;
    Gauge& repos_remaining;
};

DaemonMetrics::DaemonMetrics(prometheus::Registry& registry) : impl_(std::make_unique<Impl>(registry)) {}
DaemonMetrics::~DaemonMetrics() = default;

Counter& DaemonMetrics::firehose_events(std::string_view type) {
    return impl_->events.Add({{"type", std::string(type)}});
}

Counter& DaemonMetrics::ingester_errors(std::string_view type) {
    return impl_->errors.Add({{"type", std::string(type)}});
}

Gauge& DaemonMetrics::firehose_live_length() { return impl_->live_length; }
Gauge& DaemonMetrics::firehose_backfill_length() { return impl_->backfill_length; }
Gauge& DaemonMetrics::label_live_length() { return impl_->label_length; }
Counter& DaemonMetrics::records_processed() { return impl_->processed; }
Counter& DaemonMetrics::records_failed() { return impl_->failed; }
Counter& DaemonMetrics::stale_writes_skipped() { return impl_->stale; }
Counter& DaemonMetrics::post_events() { return impl_->posts; }
Counter& DaemonMetrics::like_events() { return impl_->likes; }
Counter& DaemonMetrics::follow_events() { return impl_->follows; }
Counter& DaemonMetrics::repost_events() { return impl_->reposts; }
Counter& DaemonMetrics::block_events() { return impl_->blocks; }
Counter& DaemonMetrics::profile_events() { return impl_->profiles; }
Counter& DaemonMetrics::writer_ops(std::string_view path) { return impl_->writer_ops.Add({{"path", std::string(path)}}); }
Counter& DaemonMetrics::lane_give_ways() { return impl_->lane_give_ways; }
Counter& DaemonMetrics::repos_processed() { return impl_->repos_processed; }
Counter& DaemonMetrics::repos_failed() { return impl_->repos_failed; }
Counter& DaemonMetrics::records_extracted() { return impl_->records_extracted; }
Histogram& DaemonMetrics::event_lag() { return impl_->event_lag; }
Histogram& DaemonMetrics::receive_lag() { return impl_->receive_lag; }
Histogram& DaemonMetrics::batch_commit_seconds() { return impl_->commit; }

void DaemonMetrics::publish(const DaemonStatus& status) {
    std::map<std::string, double> open{{"relay", 0}, {"labeler", 0}};
    for (const auto& source : status.relays) {
        const prometheus::Labels labels{{"host", source.host}, {"kind", to_string(source.kind)}};
        if (source.cursor) impl_->cursor.Add(labels).Set(static_cast<double>(*source.cursor));
        impl_->connected.Add(labels).Set(source.connected ? 1 : 0);
        if (source.last_frame_age_s) impl_->frame_age.Add(labels).Set(*source.last_frame_age_s);
        if (source.lag_s) impl_->source_lag.Add(labels).Set(*source.lag_s);
        if (source.connected) open[to_string(source.kind)] += 1;
    }
    for (const auto& [type, count] : open) impl_->websockets.Add({{"type", type}}).Set(count);
    impl_->pool_in_use.Set(status.db.pool_in_use);
    impl_->pool_size.Set(status.db.pool_size);
    impl_->db_up.Set(status.db.reachable ? 1 : 0);
    impl_->repos_remaining.Set(static_cast<double>(status.backfill.repos_remaining));
    for (const auto& state : status.backfill.repos_by_state) {
        impl_->repos_by_state.Add({{"state", state.state}}).Set(static_cast<double>(state.repos));
    }
}

void CounterMirror::sync(std::uint64_t total) {
    if (total > seen_) counter_->Increment(static_cast<double>(total - seen_));
    seen_ = total;
}

}  // namespace ops
