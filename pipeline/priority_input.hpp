// PriorityInput<T>: a live queue and a backfill queue read by one stage (the batch writer).
// Workers always take live work first and backfill only when no live work waits. Both queues
// ring one shared doorbell, so an idle worker sleeps on both at once (no spinning) and still
// honours deadlines and abort. Thread-safety: any number of producers and consumer workers.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

#include "pipeline/queue.hpp"

namespace pipeline {

template <class T>
class PriorityInput final : public Inlet<T>, public Input<T>, public Abortable {
public:
    PriorityInput(const std::string& name, std::size_t live_capacity, std::size_t backfill_capacity,
                  QueueStats* live_stats = nullptr, QueueStats* backfill_stats = nullptr,
                  std::size_t max_chunk = max_chunk_items)
        : live_(name + "/live", live_capacity, live_stats, &bell_, max_chunk),
          backfill_(name + "/backfill", backfill_capacity, backfill_stats, &bell_, max_chunk) {}

    // Producers push here (Output side).
    [[nodiscard]] Queue<T>& live() noexcept { return live_; }
    [[nodiscard]] Queue<T>& backfill() noexcept { return backfill_; }

    std::size_t attach(std::size_t workers) override {
        // Each queue ends once for the whole input; workers learn of it through finished_.
        if (workers_.fetch_add(workers) == 0) {
            live_.attach(1);
            backfill_.attach(1);
        }
        return workers;
    }
    Input<T>& input(std::size_t) override { return *this; }

    Pop pop(Chunk<T>& out, Deadline deadline) override {
        for (;;) {
            if (!bell_.wait(deadline)) return Pop::timeout;
            if (take(out)) return Pop::item;
            // Both end markers are taken, so both queues are empty for good.
            if (finished_.load(std::memory_order_acquire)) return Pop::end;
        }
    }

    void abort() override {
        live_.abort();
        backfill_.abort();
    }

private:
    enum class Took : std::uint8_t { chunk, marker, nothing };

    // Called holding one ring, so a chunk or end marker is there (or about to be); true with a
    // chunk, false after consuming an end marker or once both queues have ended.
    bool take(Chunk<T>& out) {
        for (;;) {
            for (auto* side : {&live_side_, &backfill_side_}) {
                const Took took = take_from(*side, out);
                if (took == Took::chunk) return true;
                if (took == Took::marker) return false;
            }
            if (finished_.load(std::memory_order_acquire)) return false;
            std::this_thread::yield();
        }
    }

    struct Side {
        Queue<T>& queue;
        std::atomic<bool> done{false};
    };

    Took take_from(Side& side, Chunk<T>& out) {
        if (side.done.load(std::memory_order_acquire)) return Took::nothing;
        std::optional<Chunk<T>> slot;
        if (!side.queue.try_take(slot)) return Took::nothing;
        if (slot) {
            out = std::move(*slot);
            return Took::chunk;
        }
        side.done.store(true, std::memory_order_release);
        if (ended_.fetch_add(1, std::memory_order_acq_rel) == 1) {
            finished_.store(true, std::memory_order_release);
            bell_.ring(workers_.load());  // wake every worker so each sees the end
        }
        return Took::marker;
    }

    Doorbell bell_;
    Queue<T> live_;
    Queue<T> backfill_;
    std::atomic<std::size_t> workers_{0};
    Side live_side_{live_};
    Side backfill_side_{backfill_};
    std::atomic<int> ended_{0};
    std::atomic<bool> finished_{false};
};

}  // namespace pipeline
