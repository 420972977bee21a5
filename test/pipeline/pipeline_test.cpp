#include "pipeline/pipeline.hpp"

#include <catch2/catch.hpp>
#include <prometheus/registry.h>
#include <spdlog/sinks/ostream_sink.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "test/pipeline/test_items.hpp"

using pipeline_test::Event;
using pipeline_test::EventSource;
using pipeline_test::PassThrough;
using namespace std::chrono_literals;

namespace {

// Records every event id it sees; optionally sleeps per event to be the slow consumer.
class Collect {
public:
    using In = Event;
    using Out = pipeline::Nothing;
    Collect(std::vector<std::atomic<int>>& seen, std::chrono::microseconds delay = 0us,
            std::atomic<std::uint64_t>* consumed = nullptr)
        : seen_(seen), delay_(delay), consumed_(consumed) {}
    pipeline::Outcome process(Event&& e, pipeline::Emit<pipeline::Nothing>&) {
        if (e.id < seen_.size()) seen_[e.id].fetch_add(1);
        if (consumed_ != nullptr) consumed_->fetch_add(1);
        if (delay_ > 0us) std::this_thread::sleep_for(delay_);
        return pipeline::Outcome::ok;
    }

private:
    std::vector<std::atomic<int>>& seen_;
    std::chrono::microseconds delay_;
    std::atomic<std::uint64_t>* consumed_;
};

struct Explode {
    using In = Event;
    using Out = Event;
    pipeline::Outcome process(Event&& e, pipeline::Emit<Event>& emit) {
        if (e.id == 777) throw std::logic_error("invariant broken");
        emit(std::move(e));
        return pipeline::Outcome::ok;
    }
};

struct RejectOdd {
    using In = Event;
    using Out = Event;
    pipeline::Outcome process(Event&& e, pipeline::Emit<Event>& emit) {
        if (e.id % 2 == 1) return pipeline::Outcome::rejected;
        emit(std::move(e));
        return pipeline::Outcome::ok;
    }
};

struct Fixture {
    prometheus::Registry registry;
    pipeline::Metrics metrics{registry};
    std::ostringstream log_text;
    common::Log log{spdlog::level::info, std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text)};
    std::atomic<std::uint64_t> produced{0};
};

std::size_t count_lines_with(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("graceful stop processes every produced item exactly once", "[pipeline][pipeline]") {
    Fixture f;
    constexpr std::size_t room = 2'000'000;
    std::vector<std::atomic<int>> seen(room);
    pipeline::Pipeline p(f.log, f.metrics);
    auto& a = p.queue<Event>("a", 512);
    auto& b = p.queue<Event>("b", 512);
    p.source<EventSource>("source", {.threads = 1}, [&] { return EventSource(0, 50, f.produced); }, a);
    p.stage<PassThrough>("pass", {.threads = 3}, [] { return PassThrough{}; }, a, b);
    p.sink<Collect>("collect", {.threads = 2}, [&] { return Collect(seen); }, b);
    p.start();
    while (f.produced < 100'000) std::this_thread::sleep_for(1ms);
    p.request_stop();
    REQUIRE(p.wait());
    const std::uint64_t produced = f.produced.load();
    REQUIRE(produced < room);
    std::uint64_t wrong = 0;
    for (std::uint64_t id = 0; id < room; ++id) {
        if (seen[id].load() != (id < produced ? 1 : 0)) ++wrong;
    }
    CHECK(wrong == 0);
    CHECK(f.metrics.stage("collect").items_in == f.produced.load());
}

TEST_CASE("a slow consumer keeps every queue within its capacity", "[pipeline][pipeline]") {
    Fixture f;
    std::vector<std::atomic<int>> seen(8'000);
    std::atomic<std::uint64_t> consumed{0};
    pipeline::Pipeline p(f.log, f.metrics);
    auto& a = p.queue<Event>("a", 64);
    auto& b = p.queue<Event>("b", 64);
    p.source<EventSource>("source", {}, [&] { return EventSource(8'000, 10, f.produced); }, a);
    p.stage<PassThrough>("pass", {}, [] { return PassThrough{}; }, a, b);
    p.sink<Collect>("collect", {}, [&] { return Collect(seen, 2us, &consumed); }, b);
    std::atomic<bool> done{false};
    std::size_t max_depth = 0;
    std::uint64_t max_ahead = 0;
    p.start();
    std::jthread sampler([&] {
        while (!done) {
            max_depth = std::max({max_depth, a.depth(), b.depth()});
            // Consumed is read after produced, so a preempted sampler can only understate how far
            // the producer was ahead: a sample over the bound is a real overrun, never noise.
            const std::uint64_t produced = f.produced.load();
            const std::uint64_t taken = consumed.load();
            if (produced > taken) max_ahead = std::max(max_ahead, produced - taken);
        }
    });
    REQUIRE(p.wait());
    done = true;
    sampler.join();
    CHECK(consumed == 8'000);
    CHECK(max_depth <= 64 + 32);  // one producer per queue: the gauge may read one chunk high
    CHECK(max_depth >= 32);       // the queues did fill: the producer was held back, not idle
    // Queued items plus at most one chunk held by each of: source, pass (in and out), sink;
    // the source emits 64 per call and counts after each emit returns.
    CHECK(max_ahead <= 64 + 64 + 4 * 32 + 1);
}

TEST_CASE("the first exception stops the pipeline and names the stage and the item", "[pipeline][pipeline]") {
    Fixture f;
    std::vector<std::atomic<int>> seen(10);
    pipeline::Pipeline p(f.log, f.metrics);
    auto& a = p.queue<Event>("a", 256);
    auto& b = p.queue<Event>("b", 256);
    p.source<EventSource>("source", {}, [&] { return EventSource(0, 1, f.produced); }, a);
    p.stage<Explode>("explode", {.threads = 2}, [] { return Explode{}; }, a, b);
    p.sink<Collect>("collect", {}, [&] { return Collect(seen); }, b);
    p.start();
    const auto result = p.wait();
    REQUIRE_FALSE(result);
    const auto& message = result.error().message;
    CHECK(message.find("stage 'explode'") != std::string::npos);
    CHECK(message.find("event did:plc:repo0 seq 777") != std::string::npos);
    CHECK(message.find("invariant broken") != std::string::npos);
    CHECK(count_lines_with(f.log_text.str(), "failed on") == 1);
    CHECK(f.metrics.stage("explode").errors == 1);
}

TEST_CASE("a second stop request aborts queues that are still draining", "[pipeline][pipeline]") {
    Fixture f;
    std::vector<std::atomic<int>> seen(1);
    pipeline::Pipeline p(f.log, f.metrics, {.shutdown_deadline = 60s});
    auto& a = p.queue<Event>("a", 4096);
    p.source<EventSource>("source", {}, [&] { return EventSource(0, 1, f.produced); }, a);
    p.sink<Collect>("slow", {}, [&] { return Collect(seen, 1ms); }, a);
    p.start();
    while (a.depth() < 1000) std::this_thread::sleep_for(1ms);
    p.request_stop();
    const auto started = pipeline::Clock::now();
    p.request_stop();
    const auto result = p.wait();
    CHECK(pipeline::Clock::now() - started < 2s);  // draining 1000 items would take over a second
    REQUIRE_FALSE(result);
    CHECK(result.error().message.find("second stop request") != std::string::npos);
}

TEST_CASE("rejected items are counted per stage and dropped", "[pipeline][pipeline]") {
    Fixture f;
    std::vector<std::atomic<int>> seen(1000);
    pipeline::Pipeline p(f.log, f.metrics);
    auto& a = p.queue<Event>("a", 128);
    auto& b = p.queue<Event>("b", 128);
    p.source<EventSource>("source", {}, [&] { return EventSource(1000, 3, f.produced); }, a);
    p.stage<RejectOdd>("reject_odd", {.threads = 2}, [] { return RejectOdd{}; }, a, b);
    p.sink<Collect>("collect", {}, [&] { return Collect(seen); }, b);
    p.start();
    REQUIRE(p.wait());
    auto& counters = f.metrics.stage("reject_odd");
    CHECK(counters.items_in == 1000);
    CHECK(counters.rejected == 500);
    CHECK(counters.items_out == 500);
    CHECK(f.metrics.stage("collect").items_in == 500);
}
