#include "pipeline/metrics.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace pipeline {

namespace {

using CounterFamily = prometheus::Family<prometheus::Counter>;
using GaugeFamily = prometheus::Family<prometheus::Gauge>;

CounterFamily& counter_family(prometheus::Registry& r, const std::string& name, const std::string& help) {
    return prometheus::BuildCounter().Name(name).Help(help).Register(r);
}

GaugeFamily& gauge_family(prometheus::Registry& r, const std::string& name, const std::string& help) {
    return prometheus::BuildGauge().Name(name).Help(help).Register(r);
}

// Prometheus counters only go up by increments, so each keeps the value it last saw.
struct CounterSync {
    prometheus::Counter* counter;
    std::uint64_t seen = 0;

    void sync(std::uint64_t now, double scale = 1.0) {
        if (now > seen) counter->Increment(static_cast<double>(now - seen) * scale);
        seen = now;
    }
};

struct StageSlot {
    StageCounters counters;
    CounterSync in, out, rejected, errors, busy;
};

struct QueueSlot {
    QueueStats stats;
    prometheus::Gauge* depth;
    prometheus::Gauge* capacity;
};

struct SpillSlot {
    SpillStats stats;
    prometheus::Gauge* items;
    prometheus::Gauge* bytes;
};

}  // namespace

struct Metrics::Impl {
    explicit Impl(prometheus::Registry& r)
        : items_in(counter_family(r, "wintermute_stage_items_in_total", "Items a stage took from its input")),
          items_out(counter_family(r, "wintermute_stage_items_out_total", "Items a stage emitted")),
          rejected(counter_family(r, "wintermute_stage_rejected_total", "Items a stage rejected as bad data")),
          errors(counter_family(r, "wintermute_stage_errors_total", "Exceptions thrown by a stage")),
          busy(counter_family(r, "wintermute_stage_busy_seconds_total", "Time a stage's workers spent processing")),
          depth(gauge_family(r, "wintermute_queue_depth", "Items waiting in a queue")),
          capacity(gauge_family(r, "wintermute_queue_capacity", "Items a queue holds before producers block")),
          spill_items(gauge_family(r, "wintermute_spill_items", "Items held in an LMDB spill queue")),
          spill_bytes(gauge_family(r, "wintermute_spill_bytes", "Bytes held in an LMDB spill queue")) {}

    std::mutex mutex;
    CounterFamily& items_in;
    CounterFamily& items_out;
    CounterFamily& rejected;
    CounterFamily& errors;
    CounterFamily& busy;
    GaugeFamily& depth;
    GaugeFamily& capacity;
    GaugeFamily& spill_items;
    GaugeFamily& spill_bytes;
    // std::deque keeps the addresses handed out stable.
    std::deque<StageSlot> stages;
    std::deque<QueueSlot> queues;
    std::deque<SpillSlot> spills;
    std::map<std::string, StageSlot*, std::less<>> stage_index;
    std::map<std::string, SpillSlot*, std::less<>> spill_index;
};

Metrics::Metrics(prometheus::Registry& registry) : impl_(std::make_unique<Impl>(registry)) {}

Metrics::~Metrics() = default;

StageCounters& Metrics::stage(std::string_view name) {
    std::lock_guard lock(impl_->mutex);
    if (auto it = impl_->stage_index.find(name); it != impl_->stage_index.end()) return it->second->counters;
    const prometheus::Labels labels{{"stage", std::string(name)}};
    auto& slot = impl_->stages.emplace_back();
    slot.in.counter = &impl_->items_in.Add(labels);
    slot.out.counter = &impl_->items_out.Add(labels);
    slot.rejected.counter = &impl_->rejected.Add(labels);
    slot.errors.counter = &impl_->errors.Add(labels);
    slot.busy.counter = &impl_->busy.Add(labels);
    impl_->stage_index.emplace(std::string(name), &slot);
    return slot.counters;
}

QueueStats& Metrics::queue(std::string_view name, std::size_t capacity) {
    std::lock_guard lock(impl_->mutex);
    const prometheus::Labels labels{{"queue", std::string(name)}};
    auto& slot = impl_->queues.emplace_back();
    slot.stats.name = std::string(name);
    slot.stats.capacity = capacity;
    slot.depth = &impl_->depth.Add(labels);
    slot.capacity = &impl_->capacity.Add(labels);
    return slot.stats;
}

SpillStats& Metrics::spill(std::string_view name) {
    std::lock_guard lock(impl_->mutex);
    if (auto it = impl_->spill_index.find(name); it != impl_->spill_index.end()) return it->second->stats;
    const prometheus::Labels labels{{"spill", std::string(name)}};
    auto& slot = impl_->spills.emplace_back();
    slot.items = &impl_->spill_items.Add(labels);
    slot.bytes = &impl_->spill_bytes.Add(labels);
    impl_->spill_index.emplace(std::string(name), &slot);
    return slot.stats;
}

void Metrics::update() {
    std::lock_guard lock(impl_->mutex);
    constexpr auto relaxed = std::memory_order_relaxed;
    for (auto& s : impl_->stages) {
        s.in.sync(s.counters.items_in.load(relaxed));
        s.out.sync(s.counters.items_out.load(relaxed));
        s.rejected.sync(s.counters.rejected.load(relaxed));
        s.errors.sync(s.counters.errors.load(relaxed));
        s.busy.sync(s.counters.busy_ns.load(relaxed), 1e-9);
    }
    for (auto& q : impl_->queues) {
        q.depth->Set(static_cast<double>(std::max<std::int64_t>(0, q.stats.depth.load(relaxed))));
        q.capacity->Set(static_cast<double>(q.stats.capacity));
    }
    for (auto& s : impl_->spills) {
        s.items->Set(static_cast<double>(s.stats.items.load(relaxed)));
        s.bytes->Set(static_cast<double>(s.stats.bytes.load(relaxed)));
    }
}

}  // namespace pipeline
