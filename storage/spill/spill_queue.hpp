// SpillQueue: a durable FIFO of opaque byte items with lease and acknowledgement, in one LMDB directory.
// push() appends a batch in one transaction; lease() hands out the oldest items not in flight; ack() deletes them.
// In-flight marks live only in memory, so after a crash every leased but unacknowledged item is leased again, and
// an acknowledged item (its delete committed) never comes back. docs/spill.md has the layout and the guarantees.
// Thread-safety: every member may be called from any thread; writes are serialised by one lock.
#pragma once

#include <cstdint>
#include <mutex>
#include <span>
#include <stop_token>
#include <vector>

#include "storage/lmdb/bytes.hpp"
#include "storage/spill/high_water.hpp"
#include "storage/spill/spill_store.hpp"

namespace storage::spill {

struct SpillItem {
    std::uint64_t id;  // acknowledgement token; ids grow with push order and are never reused
    std::vector<std::byte> bytes;
};

struct SpillCounts {
    std::uint64_t items = 0;      // on disk, including those in flight
    std::uint64_t bytes = 0;      // sum of item sizes on disk
    std::uint64_t in_flight = 0;  // leased by this process and not yet acknowledged
    std::uint64_t map_bytes = 0;
    std::uint64_t map_grows = 0;
};

class SpillQueue {
public:
    explicit SpillQueue(const SpillConfig& config);  // Throws: lmdb::LmdbError, filesystem_error.

    // Appends the items, in order, in one transaction. Returns whether the queue is now above its high-water mark
    // (the producer should then pause, e.g. in wait_below_high_water). Throws: lmdb::LmdbError.
    Pressure push(std::span<const lmdb::Bytes> batch);
    Pressure push_one(lmdb::Bytes item) { return push(std::span<const lmdb::Bytes>(&item, 1)); }

    // Up to `max_items` of the oldest items that are not in flight, oldest first; marks them in flight.
    [[nodiscard]] std::vector<SpillItem> lease(std::size_t max_items);

    // Deletes the items in one transaction. Ids not present (already acknowledged) are ignored.
    // Returns how many were deleted.
    std::size_t ack(std::span<const std::uint64_t> ids);

    [[nodiscard]] SpillCounts counts() const;
    [[nodiscard]] Pressure pressure() const { return high_water_.pressure(); }
    // Blocks while the queue is above its high-water mark; false if `stop` was requested first.
    bool wait_below_high_water(std::stop_token stop) { return high_water_.wait_below(std::move(stop)); }
    // Forces every committed transaction to disk (useful in the nosync modes before a planned power-off).
    void sync();

private:
    mutable std::mutex mutex_;
    SpillStore store_;
    lmdb::Dbi items_db_;
    HighWater high_water_;
    std::uint64_t next_id_ = 1;     // id of the next pushed item
    std::uint64_t lease_from_ = 0;  // every present item below this id is in flight
    std::uint64_t count_ = 0;
    std::uint64_t bytes_ = 0;
    std::uint64_t in_flight_ = 0;
};

}  // namespace storage::spill
