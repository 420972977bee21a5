#include "pipeline/lanes.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include <prometheus/registry.h>

#include "pipeline/pipeline.hpp"
#include "test/pipeline/test_items.hpp"

using pipeline_test::Event;

namespace {

constexpr std::uint64_t repos = 40;

struct Watch {
    std::array<std::atomic<int>, repos> in_flight{};
    std::array<std::atomic<std::uint64_t>, repos> next_seq{};
    std::atomic<int> running{0};
    std::atomic<int> max_running{0};
    std::atomic<int> overlaps{0};
    std::atomic<int> out_of_order{0};
    std::atomic<std::uint64_t> processed{0};
};

// Sleeps a random few microseconds per event and checks that no other worker holds the same
// repo and that the repo's events arrive in sequence.
class CheckOrder {
public:
    using In = Event;
    using Out = pipeline::Nothing;
    CheckOrder(Watch& watch, unsigned seed) : watch_(watch), random_(seed) {}

    pipeline::Outcome process(Event&& e, pipeline::Emit<pipeline::Nothing>&) {
        const std::size_t repo = e.id % repos;
        if (watch_.in_flight[repo].fetch_add(1) != 0) ++watch_.overlaps;
        const int now = ++watch_.running;
        int seen = watch_.max_running.load();
        while (now > seen && !watch_.max_running.compare_exchange_weak(seen, now)) {
        }
        if (watch_.next_seq[repo].load() != e.seq) ++watch_.out_of_order;
        watch_.next_seq[repo] = e.seq + 1;
        std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, 200)(random_)));
        --watch_.running;
        watch_.in_flight[repo].fetch_sub(1);
        ++watch_.processed;
        return pipeline::Outcome::ok;
    }

private:
    Watch& watch_;
    std::minstd_rand random_;
};

}  // namespace

TEST_CASE("a lane set routes every item of one key to the same lane", "[pipeline][lanes]") {
    pipeline::Lanes<Event> lanes("events", 8, 64);
    for (std::uint64_t r = 0; r < 100; ++r) {
        const Event a{pipeline_test::did_of(r), 1, 0};
        const Event b{pipeline_test::did_of(r), 2, 1};
        CHECK(lanes.route(a) == lanes.route(b));
        CHECK(lanes.route(a) < 8);
    }
    CHECK(lanes.attach(3) == 8);
}

TEST_CASE("order per key holds with 8 lane workers and random per-item delays", "[pipeline][lanes]") {
    prometheus::Registry registry;
    pipeline::Metrics metrics(registry);
    const common::Log log(spdlog::level::warn);
    pipeline::Pipeline p(log, metrics);
    Watch watch;
    std::atomic<std::uint64_t> produced{0};
    constexpr std::uint64_t total = 4000;
    // Keyed all the way from the single source: lanes → keyed stage → lanes → keyed stage. An
    // unkeyed multi-worker stage before the lanes could reorder one repo's events.
    auto& first = p.lanes<Event>("by_repo", 8, 64);
    auto& second = p.lanes<Event>("by_repo_again", 8, 64);
    p.source<pipeline_test::EventSource>("source", {.threads = 1},
                                         [&] { return pipeline_test::EventSource(total, repos, produced); }, first);
    p.stage<pipeline_test::PassThrough>("pass", {.threads = 8}, [] { return pipeline_test::PassThrough{}; }, first,
                                        second);
    std::atomic<unsigned> seed{1};
    p.sink<CheckOrder>("check", {.threads = 8}, [&] { return CheckOrder(watch, seed++); }, second);
    p.start();
    REQUIRE(p.wait());
    CHECK(watch.processed == total);
    CHECK(watch.overlaps == 0);
    CHECK(watch.out_of_order == 0);
    CHECK(watch.max_running > 1);  // different repos did run in parallel
}
