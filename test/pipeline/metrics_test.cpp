#include "pipeline/metrics.hpp"

#include <catch2/catch.hpp>
#include <prometheus/registry.h>

#include <string>

namespace {

// The value of the one series of `family` whose label `label` is `value`; -1 when absent.
double value_of(prometheus::Registry& registry, const std::string& family, const std::string& label,
                const std::string& value) {
    for (const auto& f : registry.Collect()) {
        if (f.name != family) continue;
        for (const auto& m : f.metric) {
            for (const auto& l : m.label) {
                if (l.name == label && l.value == value) {
                    return f.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
                }
            }
        }
    }
    return -1;
}

}  // namespace

TEST_CASE("stage counters reach prometheus with a stage label on update", "[pipeline][metrics]") {
    prometheus::Registry registry;
    pipeline::Metrics metrics(registry);
    auto& decode = metrics.stage("decode");
    CHECK(&decode == &metrics.stage("decode"));
    decode.items_in += 10;
    decode.items_out += 7;
    decode.rejected += 3;
    decode.busy_ns += 1'500'000'000;
    CHECK(value_of(registry, "wintermute_stage_items_in_total", "stage", "decode") == 0);
    metrics.update();
    CHECK(value_of(registry, "wintermute_stage_items_in_total", "stage", "decode") == 10);
    CHECK(value_of(registry, "wintermute_stage_items_out_total", "stage", "decode") == 7);
    CHECK(value_of(registry, "wintermute_stage_rejected_total", "stage", "decode") == 3);
    CHECK(value_of(registry, "wintermute_stage_errors_total", "stage", "decode") == 0);
    CHECK(value_of(registry, "wintermute_stage_busy_seconds_total", "stage", "decode") == Approx(1.5));
    decode.items_in += 5;
    metrics.update();
    CHECK(value_of(registry, "wintermute_stage_items_in_total", "stage", "decode") == 15);
}

TEST_CASE("queue depth and capacity and spill sizes are gauges with their own labels", "[pipeline][metrics]") {
    prometheus::Registry registry;
    pipeline::Metrics metrics(registry);
    auto& frames = metrics.queue("frames", 4096);
    frames.depth = 17;
    auto& spill = metrics.spill("firehose_backfill");
    spill.items = 3;
    spill.bytes = 600;
    metrics.update();
    CHECK(value_of(registry, "wintermute_queue_depth", "queue", "frames") == 17);
    CHECK(value_of(registry, "wintermute_queue_capacity", "queue", "frames") == 4096);
    CHECK(value_of(registry, "wintermute_spill_items", "spill", "firehose_backfill") == 3);
    CHECK(value_of(registry, "wintermute_spill_bytes", "spill", "firehose_backfill") == 600);
}
