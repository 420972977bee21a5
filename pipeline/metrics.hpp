// Runner metrics, registered in one place. The hot path updates plain atomics (StageCounters,
// QueueStats, SpillStats); update() copies them into prometheus-cpp objects of the registry
// passed in, so no worker ever looks anything up in a map.
// Thread-safety: the atomics from any thread; Metrics methods are internally locked.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace prometheus {
class Registry;
}

namespace pipeline {

struct StageCounters {
    std::atomic<std::uint64_t> items_in{0};
    std::atomic<std::uint64_t> items_out{0};
    std::atomic<std::uint64_t> rejected{0};
    std::atomic<std::uint64_t> errors{0};
    std::atomic<std::uint64_t> busy_ns{0};
};

struct QueueStats {
    std::string name;
    std::size_t capacity = 0;
    // Items waiting; may dip below zero for an instant (a pop counted before its push).
    std::atomic<std::int64_t> depth{0};
};

// Filled by the LMDB spill queues: what currently sits on disk.
struct SpillStats {
    std::atomic<std::int64_t> items{0};
    std::atomic<std::int64_t> bytes{0};
};

class Metrics {
public:
    // Families are added to `registry`, which must outlive this object.
    explicit Metrics(prometheus::Registry& registry);
    ~Metrics();
    Metrics(const Metrics&) = delete;
    Metrics& operator=(const Metrics&) = delete;

    // Counters of one stage (label stage=name); the same name gives the same counters.
    [[nodiscard]] StageCounters& stage(std::string_view name);
    // Depth and capacity gauges (label queue=name) for one queue.
    [[nodiscard]] QueueStats& queue(std::string_view name, std::size_t capacity);
    // Items and bytes gauges (label spill=name) for one spill queue.
    [[nodiscard]] SpillStats& spill(std::string_view name);

    // Copies every atomic into its prometheus counter or gauge. Call periodically and before
    // a scrape matters (Pipeline does, every metrics interval and at the end).
    void update();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace pipeline
