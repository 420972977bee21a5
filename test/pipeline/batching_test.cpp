#include "pipeline/pipeline.hpp"

#include <catch2/catch.hpp>
#include <prometheus/registry.h>

#include <mutex>
#include <vector>

#include "test/pipeline/test_items.hpp"

using pipeline_test::Event;

namespace {

struct Flushes {
    std::mutex mutex;
    std::vector<std::size_t> sizes;
};

// Counts events into a batch and records the size of every non-empty flush.
class CountingWriter {
public:
    using In = Event;
    using Out = pipeline::Nothing;
    explicit CountingWriter(Flushes& flushes) : flushes_(flushes) {}
    pipeline::Outcome process(Event&&, pipeline::Emit<pipeline::Nothing>&) {
        ++pending_;
        return pipeline::Outcome::ok;
    }
    void flush(pipeline::Emit<pipeline::Nothing>&) {
        if (pending_ == 0) return;
        std::lock_guard lock(flushes_.mutex);
        flushes_.sizes.push_back(std::exchange(pending_, 0));
    }

private:
    Flushes& flushes_;
    std::size_t pending_ = 0;
};

}  // namespace

TEST_CASE("a batching stage is flushed at the batch size and once more at end-of-stream",
          "[pipeline][batching]") {
    prometheus::Registry registry;
    pipeline::Metrics metrics(registry);
    const common::Log log(spdlog::level::warn);
    pipeline::Pipeline p(log, metrics);
    std::atomic<std::uint64_t> produced{0};
    Flushes flushes;
    auto& a = p.queue<Event>("a", 64);
    p.source<pipeline_test::EventSource>("source", {}, [&] { return pipeline_test::EventSource(2500, 5, produced); },
                                         a);
    p.sink<CountingWriter>("writer", {.threads = 1, .batch_size = 1000}, [&] { return CountingWriter(flushes); }, a);
    p.start();
    REQUIRE(p.wait());
    CHECK(flushes.sizes == std::vector<std::size_t>{1000, 1000, 500});
}

TEST_CASE("with flush_when_idle a batching stage writes a trickle at once and still fills batches under load",
          "[pipeline][batching]") {
    prometheus::Registry registry;
    pipeline::Metrics metrics(registry);
    const common::Log log(spdlog::level::warn);
    pipeline::Pipeline p(log, metrics);
    std::atomic<std::uint64_t> produced{0};
    Flushes flushes;
    auto& a = p.queue<Event>("a", 64);
    p.source<pipeline_test::EventSource>("source", {}, [&] { return pipeline_test::EventSource(2500, 5, produced); },
                                         a);
    // A flush interval far beyond the test: every flush here comes from the input running dry.
    p.sink<CountingWriter>("writer", {.threads = 1, .batch_size = 1000, .flush_interval = std::chrono::hours(1),
                                      .flush_when_idle = true},
                           [&] { return CountingWriter(flushes); }, a);
    p.start();
    REQUIRE(p.wait());
    std::size_t total = 0;
    for (auto size : flushes.sizes) {
        CHECK(size <= 1000);
        total += size;
    }
    CHECK(total == 2500);
    CHECK(flushes.sizes.size() > 3);  // flushed before batches were full
}

TEST_CASE("the batch writer reads live and backfill, each item once", "[pipeline][batching]") {
    prometheus::Registry registry;
    pipeline::Metrics metrics(registry);
    const common::Log log(spdlog::level::warn);
    pipeline::Pipeline p(log, metrics);
    std::atomic<std::uint64_t> live_count{0};
    std::atomic<std::uint64_t> backfill_count{0};
    Flushes flushes;
    auto& rows = p.priority<Event>("rows", 128, 128);
    p.source<pipeline_test::EventSource>("live", {},
                                         [&] { return pipeline_test::EventSource(3000, 5, live_count); }, rows.live());
    p.source<pipeline_test::EventSource>("backfill", {},
                                         [&] { return pipeline_test::EventSource(7000, 5, backfill_count); },
                                         rows.backfill());
    p.sink<CountingWriter>("writer", {.threads = 2, .batch_size = 100}, [&] { return CountingWriter(flushes); },
                           rows);
    p.start();
    REQUIRE(p.wait());
    std::size_t total = 0;
    for (auto n : flushes.sizes) total += n;
    CHECK(total == 10'000);
    CHECK(metrics.stage("writer").items_in == 10'000);
}
