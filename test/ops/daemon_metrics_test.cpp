#include "ops/daemon_metrics.hpp"

#include <catch2/catch.hpp>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace {

std::string scrape(prometheus::Registry& registry) {
    return prometheus::TextSerializer().Serialize(registry.Collect());
}

}  // namespace

TEST_CASE("daemon metrics appear with the original's names and count what is incremented", "[ops][daemon_metrics]") {
    prometheus::Registry registry;
    ops::DaemonMetrics metrics(registry);
    metrics.firehose_events("commit").Increment(3);
    metrics.records_processed().Increment(7);
    metrics.event_lag().Observe(0.3);
    const auto text = scrape(registry);
    CHECK(text.find("ingester_firehose_events_total{type=\"commit\"} 3") != std::string::npos);
    CHECK(text.find("indexer_records_processed_total 7") != std::string::npos);
    CHECK(text.find("wintermute_event_lag_seconds_count 1") != std::string::npos);
    CHECK(text.find("ingester_firehose_events_total{type=\"identity\"} 0") != std::string::npos);
}

TEST_CASE("publishing a status sets the per-source, pool and backfill gauges", "[ops][daemon_metrics]") {
    prometheus::Registry registry;
    ops::DaemonMetrics metrics(registry);
    ops::DaemonStatus s;
    s.relays = {{"relay.test", ops::SourceKind::relay, true, 1234, 0.5, 0.25},
                {"labels.test", ops::SourceKind::labeler, false, std::nullopt, std::nullopt, std::nullopt}};
    s.db = {true, 3, 16, ""};
    s.backfill.repos_by_state = {{"pending", 40}, {"done", 2}};
    metrics.publish(s);
    const auto text = scrape(registry);
    CHECK(text.find(R"(wintermute_source_cursor{host="relay.test",kind="relay"} 1234)") != std::string::npos);
    CHECK(text.find(R"(wintermute_source_connected{host="labels.test",kind="labeler"} 0)") != std::string::npos);
    CHECK(text.find(R"(ingester_websocket_connections{type="relay"} 1)") != std::string::npos);
    CHECK(text.find(R"(ingester_websocket_connections{type="labeler"} 0)") != std::string::npos);
    CHECK(text.find("wintermute_db_pool_in_use 3") != std::string::npos);
    CHECK(text.find(R"(wintermute_backfill_repos{state="pending"} 40)") != std::string::npos);
    // No cursor yet: no made-up zero.
    CHECK(text.find(R"(wintermute_source_cursor{host="labels.test")") == std::string::npos);
}

TEST_CASE("a counter mirror adds only the increase since its last sync", "[ops][daemon_metrics]") {
    prometheus::Registry registry;
    ops::DaemonMetrics metrics(registry);
    ops::CounterMirror mirror(metrics.records_failed());
    mirror.sync(5);
    mirror.sync(5);
    mirror.sync(12);
    CHECK(metrics.records_failed().Value() == 12);
    mirror.sync(2);   // the source restarted from zero: nothing is subtracted
    mirror.sync(4);
    CHECK(metrics.records_failed().Value() == 14);
}
