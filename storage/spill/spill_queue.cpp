#include "storage/spill/spill_queue.hpp"

#include <algorithm>

#include "storage/lmdb/cursor.hpp"
#include "storage/spill/big_endian.hpp"

namespace storage::spill {

namespace {
constexpr std::string_view next_id_counter = "next_id";
constexpr std::string_view bytes_counter = "bytes";
}  // namespace

SpillQueue::SpillQueue(const SpillConfig& config)
    : store_(config),
      items_db_(store_.open_db("items")),
      high_water_(config.high_water_items, config.high_water_bytes) {
    const auto txn = store_.read();
    count_ = txn.entries(items_db_);
    bytes_ = store_.counter(txn, bytes_counter);
    next_id_ = std::max<std::uint64_t>(store_.counter(txn, next_id_counter), 1);
    high_water_.update(count_, bytes_);
}

Pressure SpillQueue::push(std::span<const lmdb::Bytes> batch) {
    std::uint64_t added_bytes = 0;
    for (const auto& item : batch) added_bytes += item.size();
    std::lock_guard lock(mutex_);
    if (batch.empty()) return high_water_.pressure();
    const std::uint64_t first = next_id_;
    store_.write([&](lmdb::Txn& txn) {
        std::uint64_t id = first;
        // Ids only grow, so MDB_APPEND lets LMDB skip the search and fill pages completely.
        for (const auto& item : batch) txn.put(items_db_, encode_u64(id++), item, MDB_APPEND);
        store_.set_counter(txn, next_id_counter, id);
        store_.set_counter(txn, bytes_counter, bytes_ + added_bytes);
    });
    next_id_ = first + batch.size();
    count_ += batch.size();
    bytes_ += added_bytes;
    return high_water_.update(count_, bytes_);
}

std::vector<SpillItem> SpillQueue::lease(std::size_t max_items) {
    std::vector<SpillItem> out;
    std::lock_guard lock(mutex_);
    if (max_items == 0 || count_ == in_flight_) return out;
    out.reserve(std::min<std::uint64_t>(max_items, count_ - in_flight_));
    {
        const auto txn = store_.read();
        lmdb::Cursor cursor(txn, items_db_);
        for (auto entry = cursor.seek(encode_u64(lease_from_)); entry && out.size() < max_items;
             entry = cursor.next()) {
            const auto& [key, value] = *entry;
            out.push_back(SpillItem{decode_u64(key), std::vector<std::byte>(value.begin(), value.end())});
        }
    }
    if (!out.empty()) lease_from_ = out.back().id + 1;
    in_flight_ += out.size();
    return out;
}

std::size_t SpillQueue::ack(std::span<const std::uint64_t> ids) {
    std::vector<std::uint64_t> sorted(ids.begin(), ids.end());
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    std::lock_guard lock(mutex_);
    if (sorted.empty()) return 0;
    std::uint64_t removed = 0;
    std::uint64_t freed = 0;
    std::uint64_t were_leased = 0;
    store_.write([&](lmdb::Txn& txn) {
        removed = freed = were_leased = 0;
        {
            lmdb::Cursor cursor(txn, items_db_);
            for (const auto id : sorted) {
                const auto entry = cursor.find(encode_u64(id));
                if (!entry) continue;
                freed += entry->second.size();
                cursor.del();
                ++removed;
                if (id < lease_from_) ++were_leased;
            }
        }
        if (removed != 0) store_.set_counter(txn, bytes_counter, bytes_ - freed);
    });
    count_ -= removed;
    bytes_ -= freed;
    in_flight_ -= were_leased;
    high_water_.update(count_, bytes_);
    return removed;
}

SpillCounts SpillQueue::counts() const {
    std::lock_guard lock(mutex_);
    return SpillCounts{.items = count_,
                       .bytes = bytes_,
                       .in_flight = in_flight_,
                       .map_bytes = store_.map_bytes(),
                       .map_grows = store_.map_grows()};
}

void SpillQueue::sync() {
    std::lock_guard lock(mutex_);
    store_.sync();
}

}  // namespace storage::spill
