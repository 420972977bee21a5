// Pipeline behaviour that needs wall time: flush timers and the drain deadline.
#include "pipeline/pipeline.hpp"

#include <catch2/catch.hpp>
#include <prometheus/registry.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "test/pipeline/test_items.hpp"

using pipeline_test::Event;
using namespace std::chrono_literals;

namespace {

struct Gate {
    std::atomic<int> flushed_items{0};
    std::atomic<int> flushes{0};  // that wrote something
};

class Writer {
public:
    using In = Event;
    using Out = pipeline::Nothing;
    explicit Writer(Gate& gate) : gate_(gate) {}
    pipeline::Outcome process(Event&&, pipeline::Emit<pipeline::Nothing>&) {
        ++pending_;
        return pipeline::Outcome::ok;
    }
    void flush(pipeline::Emit<pipeline::Nothing>&) {
        if (pending_ > 0) ++gate_.flushes;
        gate_.flushed_items += std::exchange(pending_, 0);
    }

private:
    Gate& gate_;
    int pending_ = 0;
};

// Emits `count` events, then idles (without ending) until stopped.
class TrickleSource {
public:
    using Out = Event;
    explicit TrickleSource(int count) : count_(count) {}
    pipeline::Outcome produce(std::stop_token stop, pipeline::Emit<Event>& emit) {
        if (sent_ < count_) {
            emit(Event{"did:plc:a", static_cast<std::uint64_t>(sent_), static_cast<std::uint64_t>(sent_)});
            ++sent_;
        } else {
            while (!stop.stop_requested()) std::this_thread::sleep_for(1ms);
        }
        return pipeline::Outcome::ok;
    }

private:
    int count_;
    int sent_ = 0;
};

struct Slow {
    using In = Event;
    using Out = pipeline::Nothing;
    pipeline::Outcome process(Event&&, pipeline::Emit<pipeline::Nothing>&) {
        std::this_thread::sleep_for(1ms);
        return pipeline::Outcome::ok;
    }
};

// Three events from a trickle into a batching writer with `settings`: how long until all three were
// written, and in how many flushes.
std::pair<pipeline::Clock::duration, int> trickle_into(const pipeline::StageSettings& settings) {
    prometheus::Registry registry;
    pipeline::Metrics metrics(registry);
    const common::Log log(spdlog::level::warn);
    pipeline::Pipeline p(log, metrics);
    Gate gate;
    auto& a = p.queue<Event>("a", 64);
    p.source<TrickleSource>("trickle", {}, [] { return TrickleSource(3); }, a);
    p.sink<Writer>("writer", settings, [&] { return Writer(gate); }, a);
    p.start();
    const auto started = pipeline::Clock::now();
    while (gate.flushed_items < 3 && pipeline::Clock::now() - started < 5s) std::this_thread::sleep_for(1ms);
    const auto waited = pipeline::Clock::now() - started;
    CHECK(gate.flushed_items == 3);
    p.request_stop();
    REQUIRE(p.wait());
    return {waited, gate.flushes.load()};
}

}  // namespace

TEST_CASE("a batching stage that gets no more input is flushed after its flush interval",
          "[pipeline][timing]") {
    const auto [waited, flushes] = trickle_into({.batch_size = 1000, .flush_interval = 50ms});
    CHECK(waited >= 40ms);
    CHECK(waited < 1s);
}

TEST_CASE("with an idle linger a small batch waits for more input, then is written once its first item is that old",
          "[pipeline][timing]") {
    // The flush interval is far beyond the test: the linger alone writes the batch.
    const auto [waited, flushes] = trickle_into(
        {.batch_size = 1000, .flush_interval = std::chrono::hours(1), .flush_when_idle = true, .idle_linger = 300ms});
    CHECK(flushes == 1);
    CHECK(waited >= 250ms);  // without the linger the input running dry writes them at once
    CHECK(waited < 3s);
}

TEST_CASE("the drain deadline aborts a graceful stop that takes too long", "[pipeline][timing]") {
    prometheus::Registry registry;
    pipeline::Metrics metrics(registry);
    const common::Log log(spdlog::level::warn);
    pipeline::Pipeline p(log, metrics, {.shutdown_deadline = 200ms});
    std::atomic<std::uint64_t> produced{0};
    auto& a = p.queue<Event>("a", 4096);
    p.source<pipeline_test::EventSource>("source", {}, [&] { return pipeline_test::EventSource(0, 1, produced); },
                                         a);
    p.sink<Slow>("slow", {}, [] { return Slow{}; }, a);
    p.start();
    while (a.depth() < 2000) std::this_thread::sleep_for(1ms);
    const auto started = pipeline::Clock::now();
    p.request_stop();
    const auto result = p.wait();
    const auto took = pipeline::Clock::now() - started;
    REQUIRE_FALSE(result);
    CHECK(result.error().message.find("deadline") != std::string::npos);
    CHECK(took >= 150ms);
    CHECK(took < 1500ms);
}
