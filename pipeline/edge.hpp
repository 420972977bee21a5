// The two ends of an edge between stages. Producers see an `Output` (one or more ways, e.g.
// ordered lanes), each consumer worker an `Input`; an `Inlet` hands a stage's workers their
// inputs. Items move in small chunks because one tbb queue operation per item costs more than
// the whole hop budget (docs/benchmarks.md). Thread-safety: every method is safe from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace pipeline {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;
inline constexpr Deadline forever = Deadline::max();
// Take what is there but never sleep.
inline constexpr Deadline no_wait = Deadline::min();

template <class T>
using Chunk = std::vector<T>;

enum class Pop : std::uint8_t { item, timeout, end };

// Anything the hard stop must wake: queues, lanes, priority inputs.
class Abortable {
public:
    virtual ~Abortable() = default;
    // After abort, blocked and later push/pop calls throw tbb::user_abort.
    virtual void abort() = 0;
};

template <class T>
class Input {
public:
    virtual ~Input() = default;
    // Blocks until a chunk arrives (item), the deadline passes (timeout) or this consumer's
    // end marker arrives (end). Throws: tbb::user_abort after abort().
    virtual Pop pop(Chunk<T>& out, Deadline deadline) = 0;
};

template <class T>
class Output {
public:
    virtual ~Output() = default;
    [[nodiscard]] virtual std::size_t ways() const = 0;
    [[nodiscard]] virtual std::size_t route(const T& item) const = 0;
    [[nodiscard]] virtual std::size_t chunk_size() const = 0;
    // Blocks while the way is full. Throws: tbb::user_abort after abort().
    virtual void push(std::size_t way, Chunk<T>&& chunk) = 0;
    // Each producing stage registers once and closes once (its last worker out); the last
    // close sends one end marker per consumer.
    virtual void add_producer() = 0;
    virtual void close() = 0;
};

template <class T>
class Inlet {
public:
    virtual ~Inlet() = default;
    // Registers a consuming stage that asks for `workers` threads; returns how many it gets
    // (a lane set gives exactly one worker per lane).
    virtual std::size_t attach(std::size_t workers) = 0;
    virtual Input<T>& input(std::size_t worker) = 0;
};

}  // namespace pipeline
