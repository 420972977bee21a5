// OverflowQueue<T>: a bounded in-memory FIFO that spills to a SpillQueue when full and reads back from it when the
// consumer catches up. Once anything is spilled, producers append to the spill until the consumer has leased all of
// it, so newer items never overtake spilled ones: FIFO order (and so order per key) holds across the switch.
// Items read back from the spill carry their spill id; ack() it when the item is done, so a crash re-delivers it.
// Memory items are not durable (docs/spill.md says why that is fine for the backfill path).
// Thread-safety: any number of producers and consumers; one mutex guards memory, the read-back buffer and the mode.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <stop_token>
#include <vector>

#include "storage/spill/spill_codec.hpp"
#include "storage/spill/spill_queue.hpp"

namespace storage::spill {

struct OverflowCounts {
    std::uint64_t in_memory = 0;
    std::uint64_t read_back = 0;        // leased from the spill, waiting for a consumer
    bool spilling = false;
    std::uint64_t spilled_total = 0;
    std::uint64_t read_back_total = 0;
    std::uint64_t corrupt_total = 0;    // spilled items the codec could not decode (acknowledged and dropped)
};

template <class T, class Codec>
    requires SpillCodec<Codec, T>
class OverflowQueue {
public:
    // Items left in `spill` by an earlier run are delivered before anything pushed now.
    OverflowQueue(std::size_t memory_capacity, SpillQueue& spill, Codec codec = {}, std::size_t read_batch = 256)
        : capacity_(memory_capacity), read_batch_(read_batch), spill_(spill), codec_(std::move(codec)) {
        const auto counts = spill_.counts();
        spilling_ = counts.items > counts.in_flight;
    }

    // Never blocks on memory: when memory is full (or a spill is pending) the items go to the spill in one
    // transaction. Returns the spill's pressure; a producer should pause on above_high_water.
    // Throws: std::logic_error after close(), lmdb::LmdbError.
    Pressure push(std::vector<T> items) {
        std::lock_guard lock(mutex_);
        if (closed_) throw std::logic_error("OverflowQueue::push after close");
        std::size_t i = 0;
        for (; i < items.size() && !spilling_ && memory_.size() < capacity_; ++i) {
            memory_.push_back(std::move(items[i]));
        }
        Pressure pressure = spill_.pressure();
        if (i < items.size()) pressure = spill_locked(std::span<const T>(items).subspan(i));
        ready_.notify_all();
        return pressure;
    }
    Pressure push(T item) {
        std::vector<T> one;
        one.push_back(std::move(item));
        return push(std::move(one));
    }

    // The oldest item, if one is ready now.
    std::optional<Delivery<T>> try_pop() {
        std::lock_guard lock(mutex_);
        return take_locked();
    }

    // Blocks until an item is ready. nullopt: closed and drained, or `stop` requested.
    std::optional<Delivery<T>> pop(std::stop_token stop) {
        std::unique_lock lock(mutex_);
        for (;;) {
            if (auto out = take_locked()) return out;
            if (closed_) return std::nullopt;
            const bool woke = ready_.wait(lock, stop, [this] {
                return !memory_.empty() || !read_back_.empty() || spilling_ || closed_;
            });
            if (!woke) return std::nullopt;
        }
    }

    // Like pop(), but gives up after `timeout` (nullopt) so a consumer can act on idleness.
    std::optional<Delivery<T>> pop_for(std::chrono::milliseconds timeout, std::stop_token stop) {
        std::unique_lock lock(mutex_);
        if (auto out = take_locked()) return out;
        ready_.wait_for(lock, stop, timeout, [this] {
            return !memory_.empty() || !read_back_.empty() || spilling_ || closed_;
        });
        return take_locked();
    }

    // End of stream: consumers drain what is left, then pop() returns nullopt.
    void close() {
        std::lock_guard lock(mutex_);
        closed_ = true;
        ready_.notify_all();
    }

    // Acknowledges items that came from the spill (their Delivery::spill_id).
    std::size_t ack(std::span<const std::uint64_t> spill_ids) { return spill_.ack(spill_ids); }

    [[nodiscard]] OverflowCounts counts() const {
        std::lock_guard lock(mutex_);
        auto counts = counts_;
        counts.in_memory = memory_.size();
        counts.read_back = read_back_.size();
        counts.spilling = spilling_;
        return counts;
    }

private:
    Pressure spill_locked(std::span<const T> items) {
        std::vector<std::vector<std::byte>> encoded;
        std::vector<lmdb::Bytes> views;
        encoded.reserve(items.size());
        views.reserve(items.size());
        for (const auto& item : items) views.emplace_back(encoded.emplace_back(codec_.encode(item)));
        spilling_ = true;
        const auto pressure = spill_.push(views);
        counts_.spilled_total += items.size();
        return pressure;
    }

    // Memory first (it holds only items older than any spilled one), then the spill. The mode switches back to
    // memory only when a lease finds nothing left, under the same lock producers take, so none can slip between.
    std::optional<Delivery<T>> take_locked() {
        if (!memory_.empty()) {
            Delivery<T> out{std::move(memory_.front()), std::nullopt};
            memory_.pop_front();
            return out;
        }
        while (read_back_.empty() && spilling_) refill_locked();
        if (read_back_.empty()) return std::nullopt;
        auto out = std::move(read_back_.front());
        read_back_.pop_front();
        return out;
    }

    void refill_locked() {
        auto leased = spill_.lease(read_batch_);
        if (leased.empty()) {
            spilling_ = false;
            return;
        }
        std::vector<std::uint64_t> corrupt;
        for (auto& item : leased) {
            if (auto decoded = codec_.decode(item.bytes)) {
                read_back_.push_back(Delivery<T>{std::move(*decoded), item.id});
            } else {
                corrupt.push_back(item.id);
            }
        }
        counts_.read_back_total += leased.size() - corrupt.size();
        counts_.corrupt_total += corrupt.size();
        if (!corrupt.empty()) spill_.ack(corrupt);
    }

    const std::size_t capacity_;
    const std::size_t read_batch_;
    SpillQueue& spill_;
    Codec codec_;
    mutable std::mutex mutex_;
    std::condition_variable_any ready_;
    std::deque<T> memory_;
    std::deque<Delivery<T>> read_back_;
    bool spilling_ = false;
    bool closed_ = false;
    OverflowCounts counts_;
};

}  // namespace storage::spill
