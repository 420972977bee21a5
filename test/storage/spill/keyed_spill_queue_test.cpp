#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "storage/spill/keyed_spill_queue.hpp"
#include "test/storage/temp_dir.hpp"

using namespace storage::spill;

namespace {

SpillConfig config_in(const test_support::TempDir& dir) { return SpillConfig{.path = dir.path() / "keyed"}; }

std::vector<std::string> keys_of(const std::vector<KeyedItem>& items) {
    std::vector<std::string> out;
    for (const auto& item : items) out.push_back(item.key);
    return out;
}

KeyedPushResult push(KeyedSpillQueue& queue, std::vector<KeyedPush> batch) { return queue.push(batch); }

}  // namespace

TEST_CASE("keyed queue leases immediate before priority before normal and FIFO within a level",
          "[spill][keyed_spill_queue]") {
    test_support::TempDir dir;
    KeyedSpillQueue queue(config_in(dir));
    push(queue, {{"n1", Priority::normal}, {"p1", Priority::priority}, {"n2", Priority::normal}});
    push(queue, {{"i1", Priority::immediate}, {"p2", Priority::priority}, {"i2", Priority::immediate}});
    CHECK(keys_of(queue.lease(3)) == std::vector<std::string>{"i1", "i2", "p1"});
    push(queue, {{"i3", Priority::immediate}});
    CHECK(keys_of(queue.lease(10)) == std::vector<std::string>{"i3", "p2", "n1", "n2"});
    CHECK(queue.lease(10).empty());
}

TEST_CASE("pushing a queued key adds nothing but may raise and never lowers its level",
          "[spill][keyed_spill_queue]") {
    test_support::TempDir dir;
    KeyedSpillQueue queue(config_in(dir));
    auto first = push(queue, {{"a", Priority::normal}, {"b", Priority::normal}, {"a", Priority::normal}});
    CHECK(first.added == 2);
    CHECK(first.duplicates == 1);
    auto second = push(queue, {{"b", Priority::priority}, {"a", Priority::normal}, {"b", Priority::normal}});
    CHECK(second.raised == 1);
    CHECK(second.duplicates == 2);
    const auto counts = queue.counts();
    CHECK(counts.items == 2);
    CHECK(counts.per_level[1] == 1);
    CHECK(counts.per_level[2] == 1);
    const auto leased = queue.lease(10);
    REQUIRE(leased.size() == 2);
    CHECK(leased[0].key == "b");
    CHECK(leased[0].level == Priority::priority);
    CHECK(leased[1].key == "a");
}

TEST_CASE("a key in flight is not queued again by a push and ack removes it", "[spill][keyed_spill_queue]") {
    test_support::TempDir dir;
    KeyedSpillQueue queue(config_in(dir));
    push(queue, {{"did:plc:a", Priority::normal}});
    CHECK(queue.lease(5).size() == 1);
    const auto again = push(queue, {{"did:plc:a", Priority::immediate}});
    CHECK(again.duplicates == 1);
    CHECK(queue.lease(5).empty());
    CHECK(queue.contains("did:plc:a"));
    CHECK(queue.counts().in_flight == 1);
    CHECK(queue.ack(std::vector<std::string>{"did:plc:a", "did:plc:absent"}) == 1);
    CHECK_FALSE(queue.contains("did:plc:a"));
    CHECK(queue.counts().in_flight == 0);
    CHECK(queue.counts().items == 0);
    CHECK(push(queue, {{"did:plc:a", Priority::normal}}).added == 1);
}

TEST_CASE("reopening the keyed queue re-delivers leased keys and keeps counts per level",
          "[spill][keyed_spill_queue]") {
    test_support::TempDir dir;
    {
        KeyedSpillQueue queue(config_in(dir));
        push(queue, {{"n", Priority::normal},
                     {"i", Priority::immediate},
                     {"p", Priority::priority},
                     {"gone", Priority::normal}});
        CHECK(queue.lease(2).size() == 2);
        CHECK(queue.ack(std::vector<std::string>{"i", "gone"}) == 2);
    }
    KeyedSpillQueue reopened(config_in(dir));
    const auto counts = reopened.counts();
    CHECK(counts.items == 2);
    CHECK(counts.per_level == std::array<std::uint64_t, 3>{0, 1, 1});
    CHECK(counts.bytes == 2);
    CHECK(counts.in_flight == 0);
    CHECK(keys_of(reopened.lease(10)) == std::vector<std::string>{"p", "n"});
}

TEST_CASE("keys LMDB cannot store are rejected as values and not queued", "[spill][keyed_spill_queue]") {
    test_support::TempDir dir;
    KeyedSpillQueue queue(config_in(dir));
    const std::string too_long(KeyedSpillQueue::max_key_bytes + 1, 'k');
    const auto result = push(queue, {{"", Priority::normal}, {too_long, Priority::normal}, {"ok", Priority::normal}});
    CHECK(result.rejected == 2);
    CHECK(result.added == 1);
    CHECK(queue.counts().items == 1);
    CHECK_FALSE(queue.contains(too_long));
}

TEST_CASE("the keyed queue grows its map from a tiny size and reports high water", "[spill][keyed_spill_queue]") {
    test_support::TempDir dir;
    auto config = config_in(dir);
    config.initial_map_bytes = 32 * 1024;
    config.high_water_items = 5000;
    KeyedSpillQueue queue(config);
    std::vector<std::string> keys;
    for (int i = 0; i < 6000; ++i) keys.push_back("did:plc:" + std::to_string(i) + std::string(24, 'x'));
    std::vector<KeyedPush> batch;
    for (const auto& key : keys) batch.push_back({key, Priority::normal});
    const auto result = queue.push(batch);
    CHECK(result.added == 6000);
    CHECK(result.pressure == Pressure::above_high_water);
    CHECK(queue.counts().map_grows > 0);
    std::vector<std::string> leased_keys = keys_of(queue.lease(2000));
    CHECK(queue.ack(leased_keys) == 2000);
    CHECK(queue.pressure() == Pressure::below_high_water);
    CHECK(queue.counts().items == 4000);
}

TEST_CASE("requeue hands a leased key back at its new level without dropping it", "[spill][keyed_spill_queue]") {
    test_support::TempDir dir;
    KeyedSpillQueue queue(config_in(dir));
    push(queue, {{"a", Priority::normal}, {"b", Priority::normal}});
    CHECK(keys_of(queue.lease(1)) == std::vector<std::string>{"a"});
    CHECK(queue.counts().in_flight == 1);
    const std::vector<KeyedPush> back{{"a", Priority::priority}};
    queue.requeue(back);
    const auto counts = queue.counts();
    CHECK(counts.in_flight == 0);
    CHECK(counts.items == 2);
    CHECK(counts.per_level[1] == 1);
    CHECK(counts.bytes == 2);
    CHECK(keys_of(queue.lease(10)) == std::vector<std::string>{"a", "b"});
}
