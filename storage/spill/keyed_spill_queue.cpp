#include "storage/spill/keyed_spill_queue.hpp"

#include <fmt/core.h>

#include "storage/lmdb/cursor.hpp"
#include "storage/spill/big_endian.hpp"

namespace storage::spill {

// Changes made by one write transaction, applied to the in-memory state only after it commits.
struct KeyedSpillQueue::Delta {
    std::array<std::int64_t, priority_levels> per_level{};
    std::int64_t bytes = 0;
    std::uint64_t removed = 0;
    std::uint64_t removed_in_flight = 0;
    KeyedPushResult push;
};

namespace {

using PositionKey = std::array<std::byte, 9>;

PositionKey position_key(Priority level, std::uint64_t seq) {
    PositionKey key{};
    key[0] = static_cast<std::byte>(level);
    put_u64(std::span<std::byte, 8>(key.data() + 1, 8), seq);
    return key;
}

std::size_t index(Priority level) { return static_cast<std::size_t>(level); }

std::string level_counter(std::size_t level) { return fmt::format("level{}", level); }

}  // namespace

KeyedSpillQueue::KeyedSpillQueue(const SpillConfig& config)
    : store_(config),
      order_db_(store_.open_db("order")),
      keys_db_(store_.open_db("keys")),
      high_water_(config.high_water_items, config.high_water_bytes) {
    const auto txn = store_.read();
    next_seq_ = std::max<std::uint64_t>(store_.counter(txn, "next_seq"), 1);
    for (std::size_t level = 0; level < priority_levels; ++level) {
        counts_.per_level[level] = store_.counter(txn, level_counter(level));
        counts_.items += counts_.per_level[level];
    }
    counts_.bytes = store_.counter(txn, "bytes");
    high_water_.update(counts_.items, counts_.bytes);
}

bool KeyedSpillQueue::in_flight(Position position) const noexcept {
    return position.seq < lease_from_[index(position.level)];
}

KeyedPushResult KeyedSpillQueue::push(std::span<const KeyedPush> batch) {
    std::lock_guard lock(mutex_);
    if (batch.empty()) return KeyedPushResult{.pressure = high_water_.pressure()};
    Delta delta;
    std::uint64_t next_seq = next_seq_;
    store_.write([&](lmdb::Txn& txn) {
        delta = Delta{};
        next_seq = next_seq_;
        for (const auto& item : batch) push_one(txn, item, next_seq, delta);
        write_counters(txn, delta, next_seq);
    });
    next_seq_ = next_seq;
    apply(delta);
    delta.push.pressure = high_water_.pressure();
    return delta.push;
}

void KeyedSpillQueue::push_one(lmdb::Txn& txn, const KeyedPush& item, std::uint64_t& next_seq, Delta& delta) {
    if (item.key.empty() || item.key.size() > max_key_bytes || index(item.level) >= priority_levels) {
        ++delta.push.rejected;
        return;
    }
    const auto key = lmdb::as_bytes(item.key);
    if (const auto existing = txn.get(keys_db_, key)) {
        const Position old{static_cast<Priority>((*existing)[0]), decode_u64(existing->subspan(1))};
        if (in_flight(old) || old.level <= item.level) {
            ++delta.push.duplicates;
            return;
        }
        txn.del(order_db_, position_key(old.level, old.seq));
        --delta.per_level[index(old.level)];
        ++delta.push.raised;
    } else {
        ++delta.push.added;
        delta.bytes += static_cast<std::int64_t>(item.key.size());
    }
    const auto position = position_key(item.level, next_seq++);
    txn.put(order_db_, position, key);
    txn.put(keys_db_, key, position);
    ++delta.per_level[index(item.level)];
}

std::vector<KeyedItem> KeyedSpillQueue::lease(std::size_t max_items) {
    std::vector<KeyedItem> out;
    std::lock_guard lock(mutex_);
    const auto txn = store_.read();
    lmdb::Cursor cursor(txn, order_db_);
    for (std::size_t level = 0; level < priority_levels && out.size() < max_items; ++level) {
        const auto level_byte = static_cast<std::byte>(level);
        std::uint64_t last_seq = 0;
        bool took = false;
        for (auto entry = cursor.seek(position_key(static_cast<Priority>(level), lease_from_[level]));
             entry && entry->first[0] == level_byte && out.size() < max_items; entry = cursor.next()) {
            out.push_back(KeyedItem{std::string(lmdb::as_text(entry->second)), static_cast<Priority>(level)});
            last_seq = decode_u64(entry->first.subspan(1));
            took = true;
        }
        if (took) lease_from_[level] = last_seq + 1;
    }
    counts_.in_flight += out.size();
    return out;
}

std::size_t KeyedSpillQueue::ack(std::span<const std::string> keys) {
    std::lock_guard lock(mutex_);
    if (keys.empty()) return 0;
    Delta delta;
    store_.write([&](lmdb::Txn& txn) {
        delta = Delta{};
        for (const auto& key : keys) remove_one(txn, key, delta);
        if (delta.removed != 0) write_counters(txn, delta, next_seq_);
    });
    apply(delta);
    return delta.removed;
}

void KeyedSpillQueue::requeue(std::span<const KeyedPush> batch) {
    std::lock_guard lock(mutex_);
    if (batch.empty()) return;
    Delta delta;
    std::uint64_t next_seq = next_seq_;
    store_.write([&](lmdb::Txn& txn) {
        delta = Delta{};
        next_seq = next_seq_;
        for (const auto& item : batch) {
            remove_one(txn, item.key, delta);
            push_one(txn, item, next_seq, delta);
        }
        write_counters(txn, delta, next_seq);
    });
    next_seq_ = next_seq;
    apply(delta);
}

void KeyedSpillQueue::remove_one(lmdb::Txn& txn, std::string_view key, Delta& delta) {
    if (key.empty() || key.size() > max_key_bytes) return;
    const auto existing = txn.get(keys_db_, lmdb::as_bytes(key));
    if (!existing) return;
    const Position old{static_cast<Priority>((*existing)[0]), decode_u64(existing->subspan(1))};
    txn.del(order_db_, position_key(old.level, old.seq));
    txn.del(keys_db_, lmdb::as_bytes(key));
    --delta.per_level[index(old.level)];
    delta.bytes -= static_cast<std::int64_t>(key.size());
    ++delta.removed;
    if (in_flight(old)) ++delta.removed_in_flight;
}

void KeyedSpillQueue::write_counters(lmdb::Txn& txn, const Delta& delta, std::uint64_t next_seq) {
    store_.set_counter(txn, "next_seq", next_seq);
    for (std::size_t level = 0; level < priority_levels; ++level) {
        if (delta.per_level[level] != 0) {
            store_.set_counter(txn, level_counter(level), counts_.per_level[level] + delta.per_level[level]);
        }
    }
    store_.set_counter(txn, "bytes", counts_.bytes + delta.bytes);
}

void KeyedSpillQueue::apply(const Delta& delta) {
    counts_.items = 0;
    for (std::size_t level = 0; level < priority_levels; ++level) {
        counts_.per_level[level] += delta.per_level[level];
        counts_.items += counts_.per_level[level];
    }
    counts_.bytes += delta.bytes;
    counts_.in_flight -= delta.removed_in_flight;
    high_water_.update(counts_.items, counts_.bytes);
}

bool KeyedSpillQueue::contains(std::string_view key) const {
    if (key.empty() || key.size() > max_key_bytes) return false;
    std::lock_guard lock(mutex_);
    const auto txn = store_.read();
    return txn.get(keys_db_, lmdb::as_bytes(key)).has_value();
}

KeyedCounts KeyedSpillQueue::counts() const {
    std::lock_guard lock(mutex_);
    auto counts = counts_;
    counts.map_bytes = store_.map_bytes();
    counts.map_grows = store_.map_grows();
    return counts;
}

}  // namespace storage::spill
