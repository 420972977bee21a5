#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "storage/lmdb/error.hpp"
#include "storage/spill/spill_queue.hpp"
#include "test/storage/temp_dir.hpp"

using namespace storage::spill;
using storage::lmdb::Bytes;

namespace {

std::string text(const SpillItem& item) {
    return {reinterpret_cast<const char*>(item.bytes.data()), item.bytes.size()};
}

Pressure push_texts(SpillQueue& queue, const std::vector<std::string>& texts) {
    std::vector<Bytes> views;
    for (const auto& t : texts) views.push_back(storage::lmdb::as_bytes(t));
    return queue.push(views);
}

std::vector<std::string> texts_of(const std::vector<SpillItem>& items) {
    std::vector<std::string> out;
    for (const auto& item : items) out.push_back(text(item));
    return out;
}

std::vector<std::uint64_t> ids_of(const std::vector<SpillItem>& items) {
    std::vector<std::uint64_t> out;
    for (const auto& item : items) out.push_back(item.id);
    return out;
}

SpillConfig config_in(const test_support::TempDir& dir) { return SpillConfig{.path = dir.path() / "spill"}; }

}  // namespace

TEST_CASE("spill queue leases items in push order across batches", "[spill][spill_queue]") {
    test_support::TempDir dir;
    SpillQueue queue(config_in(dir));
    push_texts(queue, {"a", "b", "c"});
    push_texts(queue, {"d"});
    CHECK(texts_of(queue.lease(2)) == std::vector<std::string>{"a", "b"});
    CHECK(texts_of(queue.lease(10)) == std::vector<std::string>{"c", "d"});
    CHECK(queue.lease(10).empty());
    push_texts(queue, {"e"});
    CHECK(texts_of(queue.lease(10)) == std::vector<std::string>{"e"});
}

TEST_CASE("acknowledged items are deleted and leased items are not leased twice", "[spill][spill_queue]") {
    test_support::TempDir dir;
    SpillQueue queue(config_in(dir));
    push_texts(queue, {"a", "b", "c"});
    const auto leased = queue.lease(3);
    CHECK(queue.counts().in_flight == 3);
    CHECK(queue.lease(3).empty());
    CHECK(queue.ack(std::vector<std::uint64_t>{leased[1].id}) == 1);
    CHECK(queue.ack(std::vector<std::uint64_t>{leased[1].id}) == 0);  // already gone: ignored
    const auto counts = queue.counts();
    CHECK(counts.items == 2);
    CHECK(counts.in_flight == 2);
}

TEST_CASE("reopening re-delivers leased unacknowledged items and never acknowledged ones", "[spill][spill_queue]") {
    test_support::TempDir dir;
    std::uint64_t last_id = 0;
    {
        SpillQueue queue(config_in(dir));
        push_texts(queue, {"a", "b", "c", "d", "e"});
        const auto leased = queue.lease(4);
        queue.ack(std::vector<std::uint64_t>{leased[0].id, leased[2].id});
        last_id = leased.back().id;
    }
    SpillQueue reopened(config_in(dir));
    CHECK(reopened.counts().in_flight == 0);
    const auto again = reopened.lease(10);
    CHECK(texts_of(again) == std::vector<std::string>{"b", "d", "e"});
    push_texts(reopened, {"f"});
    const auto fresh = reopened.lease(1);
    REQUIRE(fresh.size() == 1);
    CHECK(fresh[0].id > again.back().id);
    CHECK(fresh[0].id > last_id);
}

TEST_CASE("item and byte counts stay exact through push, lease, ack and reopen", "[spill][spill_queue]") {
    test_support::TempDir dir;
    {
        SpillQueue queue(config_in(dir));
        push_texts(queue, {"one", "three", std::string(1000, 'z')});
        CHECK(queue.counts().items == 3);
        CHECK(queue.counts().bytes == 1008);
        const auto leased = queue.lease(2);
        queue.ack(ids_of(leased));
        CHECK(queue.counts().items == 1);
        CHECK(queue.counts().bytes == 1000);
        CHECK(queue.counts().in_flight == 0);
    }
    SpillQueue reopened(config_in(dir));
    CHECK(reopened.counts().items == 1);
    CHECK(reopened.counts().bytes == 1000);
    reopened.ack(ids_of(reopened.lease(5)));
    CHECK(reopened.counts().items == 0);
    CHECK(reopened.counts().bytes == 0);
}

TEST_CASE("the high-water mark reports pressure until acknowledgements bring it down", "[spill][spill_queue]") {
    test_support::TempDir dir;
    auto config = config_in(dir);
    config.high_water_items = 3;
    SpillQueue queue(config);
    CHECK(push_texts(queue, {"a", "b"}) == Pressure::below_high_water);
    CHECK(push_texts(queue, {"c"}) == Pressure::above_high_water);
    const auto leased = queue.lease(2);
    std::atomic<bool> resumed{false};
    std::jthread producer([&](std::stop_token stop) {
        if (queue.wait_below_high_water(stop)) resumed = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK_FALSE(resumed.load());
    queue.ack(ids_of(leased));
    producer.join();
    CHECK(resumed.load());
    CHECK(queue.pressure() == Pressure::below_high_water);
}

TEST_CASE("a byte high-water mark pauses too and a stop request ends the wait", "[spill][spill_queue]") {
    test_support::TempDir dir;
    auto config = config_in(dir);
    config.high_water_bytes = 10;
    SpillQueue queue(config);
    CHECK(push_texts(queue, {std::string(10, 'x')}) == Pressure::above_high_water);
    std::stop_source stop;
    std::atomic<int> result{-1};
    std::jthread producer([&] { result = queue.wait_below_high_water(stop.get_token()) ? 1 : 0; });
    stop.request_stop();
    producer.join();
    CHECK(result.load() == 0);
}

TEST_CASE("the map grows from a tiny initial size without failing a push", "[spill][spill_queue]") {
    test_support::TempDir dir;
    auto config = config_in(dir);
    config.initial_map_bytes = 32 * 1024;
    SpillQueue queue(config);
    const std::string item(200, 'p');
    for (int batch = 0; batch < 20; ++batch) push_texts(queue, std::vector<std::string>(500, item));
    push_texts(queue, {std::string(3 << 20, 'L')});  // one item larger than the map so far
    const auto counts = queue.counts();
    CHECK(counts.items == 10001);
    CHECK(counts.map_grows > 0);
    CHECK(counts.map_bytes > config.initial_map_bytes);
    std::size_t leased = 0;
    for (auto items = queue.lease(1000); !items.empty(); items = queue.lease(1000)) leased += items.size();
    CHECK(leased == 10001);
}

TEST_CASE("a reopened queue keeps the grown map size although the config asks for less", "[spill][spill_queue]") {
    test_support::TempDir dir;
    auto config = config_in(dir);
    config.initial_map_bytes = 32 * 1024;
    std::uint64_t grown = 0;
    {
        SpillQueue queue(config);
        push_texts(queue, {std::string(2 << 20, 'L')});
        grown = queue.counts().map_bytes;
    }
    SpillQueue reopened(config);
    CHECK(reopened.counts().map_bytes >= grown);
    CHECK(reopened.counts().bytes == std::uint64_t{2} << 20);
    push_texts(reopened, {"after"});
    CHECK(reopened.counts().map_grows == 0);
}

TEST_CASE("growth stops at max_map_bytes with MDB_MAP_FULL and the queue stays usable", "[spill][spill_queue]") {
    test_support::TempDir dir;
    auto config = config_in(dir);
    config.initial_map_bytes = 64 * 1024;
    config.max_map_bytes = 256 * 1024;
    SpillQueue queue(config);
    push_texts(queue, {"small"});
    try {
        push_texts(queue, {std::string(1 << 20, 'x')});
        FAIL("a 1 MiB item fit into a 256 KiB map");
    } catch (const storage::lmdb::LmdbError& error) {
        CHECK(error.code() == MDB_MAP_FULL);
    }
    CHECK(queue.counts().items == 1);
    CHECK(texts_of(queue.lease(5)) == std::vector<std::string>{"small"});
}

TEST_CASE("several producers and consumers deliver every item exactly once", "[spill][spill_queue]") {
    test_support::TempDir dir;
    SpillQueue queue(config_in(dir));
    constexpr int producers = 3;
    constexpr int per_producer = 3000;
    std::vector<std::atomic<int>> seen(producers * per_producer);
    std::atomic<int> delivered{0};
    {
        std::vector<std::jthread> threads;
        for (int p = 0; p < producers; ++p) {
            threads.emplace_back([&queue, p] {
                for (int i = 0; i < per_producer; i += 100) {
                    std::vector<std::string> batch;
                    for (int j = i; j < i + 100; ++j) batch.push_back(std::to_string(p * per_producer + j));
                    push_texts(queue, batch);
                }
            });
        }
        for (int c = 0; c < 2; ++c) {
            threads.emplace_back([&] {
                while (delivered.load() < producers * per_producer) {
                    const auto items = queue.lease(64);
                    for (const auto& item : items) seen[std::stoul(text(item))]++;
                    delivered += static_cast<int>(items.size());
                    queue.ack(ids_of(items));
                }
            });
        }
    }
    for (const auto& count : seen) REQUIRE(count.load() == 1);
    CHECK(queue.counts().items == 0);
}

TEST_CASE("durability modes parse by name and unknown names are refused", "[spill][durability]") {
    for (auto mode : {Durability::sync, Durability::nosync_meta, Durability::nosync}) {
        CHECK(parse_durability(durability_name(mode)) == mode);
    }
    CHECK_FALSE(parse_durability("fsync").has_value());
    CHECK_FALSE(parse_durability("").has_value());
}
