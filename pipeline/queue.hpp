// Queue<T>: a named, bounded edge between stages on tbb::concurrent_bounded_queue. Items travel
// in chunks of at most chunk_size(); a chunk slot is std::nullopt for end-of-stream. Capacity
// counts items (the tbb capacity is capacity / chunk_size chunks), so depth never exceeds it.
// Thread-safety: any number of producers and consumers; abort() from any thread.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include <tbb/concurrent_queue.h>

#include "pipeline/doorbell.hpp"
#include "pipeline/edge.hpp"
#include "pipeline/metrics.hpp"

namespace pipeline {

inline constexpr std::size_t max_chunk_items = 32;

template <class T>
class Queue final : public Inlet<T>, public Input<T>, public Output<T>, public Abortable {
public:
    // `stats` (from Metrics::queue, already named) receives the depth; `bell` lets a
    // PriorityInput wake on either of its two queues. Both default to ones the queue owns.
    Queue(std::string name, std::size_t capacity, QueueStats* stats = nullptr, Doorbell* bell = nullptr,
          std::size_t max_chunk = max_chunk_items)
        : chunk_size_(std::clamp<std::size_t>(capacity, 1, std::max<std::size_t>(1, max_chunk))),
          stats_(stats != nullptr ? stats : &own_stats_),
          bell_(bell != nullptr ? bell : &own_bell_) {
        queue_.set_capacity(static_cast<std::ptrdiff_t>(std::max<std::size_t>(1, capacity / chunk_size_)));
        own_stats_.name = std::move(name);
        own_stats_.capacity = capacity;
    }

    [[nodiscard]] const std::string& name() const noexcept { return stats_->name; }
    [[nodiscard]] std::size_t capacity() const noexcept { return stats_->capacity; }
    // Items waiting, for metrics. A push counts after it lands and a pop after it leaves, so
    // under backpressure it can read up to one chunk per racing producer high for an instant;
    // tbb itself never stores more than capacity / chunk_size chunks.
    [[nodiscard]] std::size_t depth() const noexcept {
        return static_cast<std::size_t>(std::max<std::int64_t>(0, stats_->depth.load(std::memory_order_relaxed)));
    }

    std::size_t ways() const override { return 1; }
    std::size_t route(const T&) const override { return 0; }
    std::size_t chunk_size() const override { return chunk_size_; }

    void push(std::size_t /*way*/, Chunk<T>&& chunk) override {
        if (chunk.empty()) return;
        const auto n = static_cast<std::int64_t>(chunk.size());
        push_slot(std::optional<Chunk<T>>(std::move(chunk)));
        stats_->depth.fetch_add(n, std::memory_order_relaxed);
    }
    // One item as its own chunk, for sources and tests that push rarely.
    void push(T item) {
        Chunk<T> chunk;
        chunk.push_back(std::move(item));
        push(0, std::move(chunk));
    }

    void add_producer() override { producers_.fetch_add(1, std::memory_order_relaxed); }
    void close() override {
        if (producers_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
        for (std::size_t i = 0; i < consumers_.load(std::memory_order_acquire); ++i) push_slot(std::nullopt);
    }

    std::size_t attach(std::size_t workers) override {
        consumers_.fetch_add(workers, std::memory_order_acq_rel);
        return workers;
    }
    Input<T>& input(std::size_t) override { return *this; }

    Pop pop(Chunk<T>& out, Deadline deadline) override {
        if (!bell_->wait(deadline)) return Pop::timeout;
        std::optional<Chunk<T>> slot;
        // The ring comes after the push completed, so a slot is there unless another consumer
        // holding its own ring took it first; then one more is on its way.
        while (!try_take(slot)) std::this_thread::yield();
        if (!slot) return Pop::end;
        out = std::move(*slot);
        return Pop::item;
    }

    // For consumers that wait on the doorbell themselves (PriorityInput).
    bool try_take(std::optional<Chunk<T>>& slot) {
        if (aborted_.load(std::memory_order_relaxed)) throw tbb::user_abort();
        if (!queue_.try_pop(slot)) return false;
        if (slot) stats_->depth.fetch_sub(static_cast<std::int64_t>(slot->size()), std::memory_order_relaxed);
        return true;
    }

    void abort() override {
        aborted_.store(true, std::memory_order_relaxed);
        queue_.abort();
        bell_->abort();
    }

private:
    void push_slot(std::optional<Chunk<T>>&& slot) {
        if (aborted_.load(std::memory_order_relaxed)) throw tbb::user_abort();
        queue_.push(std::move(slot));
        bell_->ring();
    }

    tbb::concurrent_bounded_queue<std::optional<Chunk<T>>> queue_;
    std::size_t chunk_size_;
    QueueStats own_stats_;
    QueueStats* stats_;
    Doorbell own_bell_;
    Doorbell* bell_;
    std::atomic<std::size_t> producers_{0};
    std::atomic<std::size_t> consumers_{0};
    std::atomic<bool> aborted_{false};
};

}  // namespace pipeline
