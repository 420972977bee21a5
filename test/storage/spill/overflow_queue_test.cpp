#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "storage/spill/overflow_queue.hpp"
#include "test/storage/temp_dir.hpp"

using namespace storage::spill;

namespace {

struct Work {
    std::uint32_t key;
    std::uint32_t seq;
};

// 8 bytes: key then seq, native order (the spill file never leaves the machine in this test).
struct WorkCodec {
    std::vector<std::byte> encode(const Work& work) const {
        std::vector<std::byte> out(8);
        std::memcpy(out.data(), &work.key, 4);
        std::memcpy(out.data() + 4, &work.seq, 4);
        return out;
    }
    std::optional<Work> decode(std::span<const std::byte> bytes) const {
        if (bytes.size() != 8) return std::nullopt;
        Work work{};
        std::memcpy(&work.key, bytes.data(), 4);
        std::memcpy(&work.seq, bytes.data() + 4, 4);
        return work;
    }
};

using Queue = OverflowQueue<Work, WorkCodec>;

SpillConfig config_in(const test_support::TempDir& dir) { return SpillConfig{.path = dir.path() / "overflow"}; }

}  // namespace

TEST_CASE("overflow queue keeps FIFO order with a slow consumer through spill and read-back",
          "[spill][overflow_queue]") {
    test_support::TempDir dir;
    SpillQueue spill(config_in(dir));
    Queue queue(64, spill, WorkCodec{}, 32);
    constexpr std::uint32_t total = 5000;
    std::vector<Work> received;
    {
        std::jthread producer([&] {
            for (std::uint32_t i = 0; i < total; ++i) {
                queue.push(Work{i % 7, i});
                if (i % 1000 == 999) std::this_thread::sleep_for(std::chrono::milliseconds(30));
            }
            queue.close();
        });
        std::jthread consumer([&] {
            // Runs until close(): a jthread's destructor would request stop before the queue drained.
            while (auto delivery = queue.pop(std::stop_token{})) {
                received.push_back(delivery->item);
                if (delivery->spill_id) queue.ack(std::array{*delivery->spill_id});
                if (received.size() % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
        });
    }
    REQUIRE(received.size() == total);
    for (std::uint32_t i = 0; i < total; ++i) REQUIRE(received[i].seq == i);
    const auto counts = queue.counts();
    CHECK(counts.spilled_total > 0);
    CHECK(counts.read_back_total == counts.spilled_total);
    CHECK(counts.spilled_total < total);  // it went back to memory once the consumer caught up
    CHECK(spill.counts().items == 0);
}

TEST_CASE("order per key holds with several producers and consumers acknowledging in order",
          "[spill][overflow_queue]") {
    test_support::TempDir dir;
    SpillQueue spill(config_in(dir));
    Queue queue(16, spill, WorkCodec{}, 8);
    constexpr std::uint32_t producers = 4;
    constexpr std::uint32_t per_producer = 2000;
    std::map<std::uint32_t, std::uint32_t> next_seq;
    bool in_order = true;
    std::uint32_t received = 0;
    {
        std::jthread consumer([&] {
            while (auto delivery = queue.pop(std::stop_token{})) {
                auto& expected = next_seq[delivery->item.key];
                in_order = in_order && delivery->item.seq == expected;
                expected = delivery->item.seq + 1;
                if (delivery->spill_id) queue.ack(std::array{*delivery->spill_id});
                ++received;
            }
        });
        {
            std::vector<std::jthread> threads;
            for (std::uint32_t p = 0; p < producers; ++p) {
                threads.emplace_back([&queue, p] {
                    for (std::uint32_t i = 0; i < per_producer; i += 10) {
                        std::vector<Work> batch;
                        for (std::uint32_t j = i; j < i + 10; ++j) batch.push_back(Work{p, j});
                        queue.push(std::move(batch));
                    }
                });
            }
        }
        queue.close();
    }
    CHECK(in_order);
    CHECK(received == producers * per_producer);
    CHECK(queue.counts().spilled_total > 0);
}

TEST_CASE("spilled items not acknowledged before a restart come out first after it", "[spill][overflow_queue]") {
    test_support::TempDir dir;
    {
        SpillQueue spill(config_in(dir));
        Queue queue(2, spill);
        for (std::uint32_t i = 0; i < 6; ++i) queue.push(Work{0, i});
        CHECK(queue.try_pop()->item.seq == 0);
        CHECK(queue.try_pop()->item.seq == 1);
        const auto from_spill = queue.try_pop();
        REQUIRE(from_spill->spill_id.has_value());
        CHECK(from_spill->item.seq == 2);
        queue.ack(std::array{*from_spill->spill_id});
        CHECK(queue.try_pop()->item.seq == 3);  // delivered but never acknowledged: comes back
    }  // memory items are gone; spilled 3, 4, 5 are still on disk
    SpillQueue spill(config_in(dir));
    Queue queue(2, spill);
    CHECK(queue.counts().spilling);
    queue.push(Work{0, 100});
    std::vector<std::uint32_t> seqs;
    while (auto delivery = queue.try_pop()) seqs.push_back(delivery->item.seq);
    CHECK(seqs == std::vector<std::uint32_t>{3, 4, 5, 100});
}

TEST_CASE("a spilled item the codec cannot decode is dropped, counted and acknowledged", "[spill][overflow_queue]") {
    test_support::TempDir dir;
    SpillQueue spill(config_in(dir));
    const std::array<std::byte, 3> garbage{};
    spill.push_one(garbage);
    Queue queue(4, spill);
    queue.push(Work{1, 1});
    const auto delivery = queue.try_pop();
    REQUIRE(delivery.has_value());
    CHECK(delivery->item.seq == 1);
    CHECK(queue.counts().corrupt_total == 1);
    CHECK_FALSE(queue.try_pop().has_value());
}

TEST_CASE("pop returns nothing once closed and drained, or when stopped", "[spill][overflow_queue]") {
    test_support::TempDir dir;
    SpillQueue spill(config_in(dir));
    Queue queue(4, spill);
    std::stop_source stop;
    std::jthread waiter([&] { CHECK_FALSE(queue.pop(stop.get_token()).has_value()); });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    stop.request_stop();
    waiter.join();
    queue.push(Work{0, 7});
    queue.close();
    CHECK(queue.pop(std::stop_token{})->item.seq == 7);
    CHECK_FALSE(queue.pop(std::stop_token{}).has_value());
    CHECK_THROWS_AS(queue.push(Work{0, 8}), std::logic_error);
}

TEST_CASE("pop_for waits at most its timeout and returns an item as soon as one is pushed", "[spill][overflow_queue]") {
    test_support::TempDir dir;
    SpillQueue spill(config_in(dir));
    Queue queue(4, spill);
    std::stop_source stop;
    const auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(queue.pop_for(std::chrono::milliseconds(50), stop.get_token()));
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(50));
    std::jthread producer([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        queue.push(Work{1, 2});
    });
    const auto got = queue.pop_for(std::chrono::seconds(10), stop.get_token());
    REQUIRE(got);
    CHECK(got->item.seq == 2);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}
