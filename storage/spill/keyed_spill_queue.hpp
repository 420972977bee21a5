// KeyedSpillQueue: the durable, deduplicating work queue of repo_backfill. One entry per key (a repo DID) at one of
// three priority levels; lease() hands out the highest level first and FIFO within a level. Pushing a queued key
// adds nothing but may raise its level; lease/ack/crash semantics are those of SpillQueue (docs/spill.md).
// Thread-safety: every member may be called from any thread; all LMDB work is serialised by one lock.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "storage/spill/high_water.hpp"
#include "storage/spill/spill_store.hpp"

namespace storage::spill {

// Leased in this order: every immediate key before any priority key before any normal key.
enum class Priority : std::uint8_t { immediate = 0, priority = 1, normal = 2 };
inline constexpr std::size_t priority_levels = 3;

struct KeyedPush {
    std::string_view key;
    Priority level = Priority::normal;
};

struct KeyedItem {
    std::string key;
    Priority level;
};

struct KeyedPushResult {
    std::uint64_t added = 0;       // keys that were not queued
    std::uint64_t raised = 0;      // queued keys moved to a higher level
    std::uint64_t duplicates = 0;  // queued (or in flight) already at that level or higher
    std::uint64_t rejected = 0;    // empty keys or keys longer than max_key_bytes, not queued
    Pressure pressure = Pressure::below_high_water;
};

struct KeyedCounts {
    std::array<std::uint64_t, priority_levels> per_level{};  // on disk, including those in flight
    std::uint64_t items = 0;
    std::uint64_t bytes = 0;  // sum of key sizes
    std::uint64_t in_flight = 0;
    std::uint64_t map_bytes = 0;
    std::uint64_t map_grows = 0;
};

class KeyedSpillQueue {
public:
    explicit KeyedSpillQueue(const SpillConfig& config);  // Throws: lmdb::LmdbError, filesystem_error.

    static constexpr std::size_t max_key_bytes = 511;  // LMDB's default key limit

    // One transaction for the whole batch. A key that is in flight is counted as a duplicate and left as it is:
    // the consumer holding it acknowledges (removes) it. Throws: lmdb::LmdbError.
    KeyedPushResult push(std::span<const KeyedPush> batch);
    // Up to `max_items` keys not in flight, highest level first, FIFO within a level; marks them in flight.
    [[nodiscard]] std::vector<KeyedItem> lease(std::size_t max_items);
    // Removes the keys (in flight or not) in one transaction; absent keys are ignored. Returns how many went.
    std::size_t ack(std::span<const std::string> keys);
    // Puts keys back at the end of their (new) level in one transaction, whether in flight or not, so a consumer
    // can hand back work it cannot finish now without a window where the key is absent. Throws: lmdb::LmdbError.
    void requeue(std::span<const KeyedPush> batch);

    // Whether the key is queued (waiting or in flight).
    [[nodiscard]] bool contains(std::string_view key) const;
    [[nodiscard]] KeyedCounts counts() const;
    [[nodiscard]] Pressure pressure() const { return high_water_.pressure(); }
    bool wait_below_high_water(std::stop_token stop) { return high_water_.wait_below(std::move(stop)); }

private:
    struct Position {
        Priority level;
        std::uint64_t seq;
    };
    struct Delta;

    [[nodiscard]] bool in_flight(Position position) const noexcept;
    void push_one(lmdb::Txn& txn, const KeyedPush& item, std::uint64_t& next_seq, Delta& delta);
    void remove_one(lmdb::Txn& txn, std::string_view key, Delta& delta);
    void write_counters(lmdb::Txn& txn, const Delta& delta, std::uint64_t next_seq);
    void apply(const Delta& delta);

    mutable std::mutex mutex_;
    SpillStore store_;
    lmdb::Dbi order_db_;  // [level][seq big-endian] → key
    lmdb::Dbi keys_db_;   // key → [level][seq big-endian]
    HighWater high_water_;
    std::uint64_t next_seq_ = 1;
    std::array<std::uint64_t, priority_levels> lease_from_{};  // per level: present entries below are in flight
    KeyedCounts counts_;
};

}  // namespace storage::spill
