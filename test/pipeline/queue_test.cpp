#include "pipeline/queue.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

using pipeline::Chunk;
using pipeline::Pop;
using pipeline::Queue;

namespace {

Chunk<int> chunk_of(std::initializer_list<int> values) { return Chunk<int>(values); }

}  // namespace

TEST_CASE("a queue hands chunks over in order and then one end marker per consumer", "[pipeline][queue]") {
    Queue<int> q("numbers", 1024);
    q.add_producer();
    REQUIRE(q.attach(2) == 2);
    q.push(0, chunk_of({1, 2, 3}));
    q.push(4);
    CHECK(q.depth() == 4);
    q.close();
    Chunk<int> got;
    REQUIRE(q.pop(got, pipeline::forever) == Pop::item);
    CHECK(got == chunk_of({1, 2, 3}));
    REQUIRE(q.pop(got, pipeline::forever) == Pop::item);
    CHECK(got == chunk_of({4}));
    CHECK(q.pop(got, pipeline::forever) == Pop::end);
    CHECK(q.pop(got, pipeline::forever) == Pop::end);
    CHECK(q.depth() == 0);
}

TEST_CASE("a queue sends end markers only when its last producer closes", "[pipeline][queue]") {
    Queue<int> q("numbers", 64);
    q.add_producer();
    q.add_producer();
    (void)q.attach(1);
    q.close();
    Chunk<int> got;
    CHECK(q.pop(got, pipeline::no_wait) == Pop::timeout);
    q.close();
    CHECK(q.pop(got, pipeline::no_wait) == Pop::end);
}

TEST_CASE("a queue's chunks never hold more items than its capacity", "[pipeline][queue]") {
    Queue<int> small("small", 5);
    CHECK(small.chunk_size() == 5);
    Queue<int> big("big", 100000);
    CHECK(big.chunk_size() == pipeline::max_chunk_items);
    Queue<int> unchunked("unchunked", 100, nullptr, nullptr, 1);
    CHECK(unchunked.chunk_size() == 1);
}

TEST_CASE("pop with a deadline times out on an empty queue", "[pipeline][queue]") {
    Queue<int> q("numbers", 8);
    Chunk<int> got;
    const auto started = pipeline::Clock::now();
    CHECK(q.pop(got, started + std::chrono::milliseconds(20)) == Pop::timeout);
    CHECK(pipeline::Clock::now() - started >= std::chrono::milliseconds(20));
}

TEST_CASE("push blocks while the queue is full and resumes when a consumer pops", "[pipeline][queue]") {
    Queue<int> q("numbers", 2, nullptr, nullptr, 1);
    q.push(1);
    q.push(2);
    std::atomic<bool> pushed{false};
    std::jthread producer([&] {
        q.push(3);
        pushed = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    CHECK_FALSE(pushed.load());
    Chunk<int> got;
    REQUIRE(q.pop(got, pipeline::forever) == Pop::item);
    producer.join();
    CHECK(pushed.load());
    CHECK(q.depth() == 2);
}

TEST_CASE("abort wakes a producer blocked on a full queue and a consumer blocked on an empty one",
          "[pipeline][queue]") {
    Queue<int> full("full", 1, nullptr, nullptr, 1);
    Queue<int> empty("empty", 1);
    full.push(1);
    std::atomic<int> woken{0};
    std::jthread producer([&] {
        try {
            full.push(2);
        } catch (const tbb::user_abort&) {
            ++woken;
        }
    });
    std::jthread consumer([&] {
        Chunk<int> got;
        try {
            (void)empty.pop(got, pipeline::forever);
        } catch (const tbb::user_abort&) {
            ++woken;
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    full.abort();
    empty.abort();
    producer.join();
    consumer.join();
    CHECK(woken == 2);
    CHECK_THROWS_AS(full.push(3), tbb::user_abort);
}
