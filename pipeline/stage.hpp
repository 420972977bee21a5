// The stage contract: a stage is a plain class with an input type, an output type and one
// `process` step (batching stages add `flush`, sources have `produce` instead). Stages know
// nothing of threads, queues, metrics or shutdown; the runner owns all of that.
// Thread-safety: one stage instance per worker thread, so stages need no locks.
#pragma once

#include <concepts>
#include <cstdint>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pipeline {

// What a stage did with one input. `rejected` is bad data (counted and dropped). `stop` from
// process() asks the whole pipeline for a graceful stop; from a source's produce() it means this
// source is exhausted (its last worker out then ends the stream downstream).
enum class Outcome : std::uint8_t { ok, rejected, stop };

// Where a stage puts its output. The runner implements it by pushing to the next queue;
// `push` may block (backpressure) and throws tbb::user_abort when the pipeline is aborted.
template <class T>
class Emit {
public:
    virtual ~Emit() = default;
    virtual void push(T item) = 0;
    void operator()(T item) { push(std::move(item)); }
};

// Collects emitted items; for testing stages without threads.
template <class T>
class VectorEmit final : public Emit<T> {
public:
    void push(T item) override { items.push_back(std::move(item)); }
    std::vector<T> items;
};

// The output type of a sink stage (one that writes somewhere outside the pipeline).
struct Nothing {};

template <class S>
concept Stage = requires { typename S::In; typename S::Out; } &&
    requires(S& stage, typename S::In&& item, Emit<typename S::Out>& emit) {
        { stage.process(std::move(item), emit) } -> std::same_as<Outcome>;
    };

// A stage that accumulates work and writes it out in `flush` (batch size, timer, end-of-stream).
template <class S>
concept BatchingStage = Stage<S> && requires(S& stage, Emit<typename S::Out>& emit) { stage.flush(emit); };

// A source is called again and again until it returns `stop` or the stop token is set; a
// source that blocks (a socket) wakes itself through a std::stop_callback on the token.
template <class S>
concept SourceStage = requires { typename S::Out; } &&
    requires(S& stage, std::stop_token stop, Emit<typename S::Out>& emit) {
        { stage.produce(stop, emit) } -> std::same_as<Outcome>;
    };

// Items routed onto ordered lanes carry a key (the repo DID).
template <class T>
concept Keyed = requires(const T& item) {
    { item.key() } -> std::convertible_to<std::string_view>;
};

template <class T>
concept Describable = requires(const T& item) {
    { item.describe() } -> std::convertible_to<std::string>;
};

// Names an item in a failure log line: its describe(), else its key, else nothing useful.
// A stage that takes its input by value has moved from it when it throws; stages that take
// `In&&` keep the item nameable.
template <class T>
std::string describe_item(const T& item) {
    if constexpr (Describable<T>) {
        return std::string(item.describe());
    } else if constexpr (Keyed<T>) {
        return "key " + std::string(item.key());
    } else {
        return "(item type has no describe() or key())";
    }
}

}  // namespace pipeline
