#include "pipeline/priority_input.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

using pipeline::Chunk;
using pipeline::Pop;

TEST_CASE("with both queues full, every live item comes out before any backfill item",
          "[pipeline][priority_input]") {
    pipeline::PriorityInput<int> input("rows", 64, 64);
    (void)input.attach(1);
    input.live().add_producer();
    input.backfill().add_producer();
    // Backfill fills first, so arrival order alone would put it ahead.
    for (int c = 0; c < 2; ++c) {
        Chunk<int> backfill, live;
        for (int i = 0; i < 32; ++i) {
            backfill.push_back(1000 + 32 * c + i);
            live.push_back(32 * c + i);
        }
        input.backfill().push(0, std::move(backfill));
        input.live().push(0, std::move(live));
    }
    CHECK(input.backfill().depth() == 64);
    CHECK(input.live().depth() == 64);
    std::vector<int> order;
    std::jthread consumer([&] {
        Chunk<int> got;
        while (input.pop(got, pipeline::forever) == Pop::item) order.insert(order.end(), got.begin(), got.end());
    });
    // The end markers wait for room, as a closing producer would.
    input.live().close();
    input.backfill().close();
    consumer.join();
    REQUIRE(order.size() == 128);
    for (int i = 0; i < 64; ++i) CHECK(order[static_cast<std::size_t>(i)] < 1000);
    for (int i = 64; i < 128; ++i) CHECK(order[static_cast<std::size_t>(i)] >= 1000);
}

TEST_CASE("a priority input serves backfill while live is idle and ends for every worker",
          "[pipeline][priority_input]") {
    pipeline::PriorityInput<int> input("rows", 8, 8);
    REQUIRE(input.attach(3) == 3);
    input.live().add_producer();
    input.backfill().add_producer();
    std::atomic<int> items{0};
    std::atomic<int> ended{0};
    std::vector<std::jthread> workers;
    for (int w = 0; w < 3; ++w) {
        workers.emplace_back([&] {
            Chunk<int> got;
            for (;;) {
                const Pop p = input.pop(got, pipeline::forever);
                if (p == Pop::end) break;
                items += static_cast<int>(got.size());
            }
            ++ended;
        });
    }
    for (int i = 0; i < 100; ++i) input.backfill().push(i);
    input.backfill().close();
    for (int i = 0; i < 50; ++i) input.live().push(i);
    input.live().close();
    workers.clear();
    CHECK(items == 150);
    CHECK(ended == 3);
}

TEST_CASE("an idle priority input times out and wakes on abort", "[pipeline][priority_input]") {
    pipeline::PriorityInput<int> input("rows", 8, 8);
    (void)input.attach(1);
    Chunk<int> got;
    CHECK(input.pop(got, pipeline::Clock::now() + std::chrono::milliseconds(10)) == Pop::timeout);
    std::atomic<bool> aborted{false};
    std::jthread worker([&] {
        try {
            (void)input.pop(got, pipeline::forever);
        } catch (const tbb::user_abort&) {
            aborted = true;
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    input.abort();
    worker.join();
    CHECK(aborted.load());
}
