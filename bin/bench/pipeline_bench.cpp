// wintermute-bench pipeline: items/s through a 4-stage chain of trivial stages
// (source → add_one → add_one → sum sink, three in-memory queue hops), once per chunk size so
// the cost of moving items one by one is measured side by side with chunked moves.
#include "bin/bench/benches.hpp"

#include <charconv>
#include <chrono>
#include <cstdint>
#include <string_view>

#include <fmt/core.h>
#include <prometheus/registry.h>

#include "pipeline/pipeline.hpp"

namespace {

using Number = std::uint64_t;

class Count {
public:
    using Out = Number;
    explicit Count(Number total) : total_(total) {}
    // A run of items per call, as a decoder emits the records of one frame.
    pipeline::Outcome produce(std::stop_token, pipeline::Emit<Number>& emit) {
        for (int i = 0; i < 256 && next_ < total_; ++i) emit(next_++);
        return next_ < total_ ? pipeline::Outcome::ok : pipeline::Outcome::stop;
    }

private:
    Number total_;
    Number next_ = 0;
};

struct AddOne {
    using In = Number;
    using Out = Number;
    pipeline::Outcome process(Number&& n, pipeline::Emit<Number>& emit) {
        emit(n + 1);
        return pipeline::Outcome::ok;
    }
};

struct Sum {
    using In = Number;
    using Out = pipeline::Nothing;
    explicit Sum(std::atomic<Number>& total) : total_(total) {}
    ~Sum() { total_.fetch_add(sum_); }
    Sum(const Sum&) = delete;
    Sum& operator=(const Sum&) = delete;
    pipeline::Outcome process(Number&& n, pipeline::Emit<pipeline::Nothing>&) {
        sum_ += n;
        return pipeline::Outcome::ok;
    }

private:
    std::atomic<Number>& total_;
    Number sum_ = 0;
};

double run_chain(Number items, std::size_t capacity, std::size_t chunk, const common::Log& log) {
    prometheus::Registry registry;
    pipeline::Metrics metrics(registry);
    pipeline::Pipeline p(log, metrics, {.chunk_items = chunk});
    const pipeline::StageSettings one{.threads = 1, .queue_capacity = capacity};
    auto& q1 = p.queue<Number>("numbers", capacity);
    auto& q2 = p.queue<Number>("plus_one", capacity);
    auto& q3 = p.queue<Number>("plus_two", capacity);
    std::atomic<Number> total{0};
    p.source<Count>("count", one, [items] { return Count(items); }, q1);
    p.stage<AddOne>("add_one_a", one, [] { return AddOne{}; }, q1, q2);
    p.stage<AddOne>("add_one_b", one, [] { return AddOne{}; }, q2, q3);
    p.sink<Sum>("sum", one, [&total] { return Sum(total); }, q3);
    const auto started = std::chrono::steady_clock::now();
    p.start();
    if (!p.wait()) return 0;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const Number expected = items * (items - 1) / 2 + 2 * items;
    if (total.load() != expected) fmt::print(stderr, "wrong sum: {} != {}\n", total.load(), expected);
    return static_cast<double>(items) / seconds;
}

Number parse_items(std::span<char* const> args) {
    Number items = 20'000'000;
    for (std::size_t i = 0; i + 1 < args.size(); ++i) {
        const std::string_view flag = args[i];
        const std::string_view value = args[i + 1];
        if (flag == "--items") std::from_chars(value.data(), value.data() + value.size(), items);
    }
    return items;
}

}  // namespace

namespace bin::bench {

int pipeline_bench(std::span<char* const> args) {
    const Number items = parse_items(args);
    const std::size_t capacity = 4096;
    const common::Log log(spdlog::level::warn);
    fmt::print("pipeline: {} items through source → add_one → add_one → sink (3 queue hops, capacity {}),"
               " one thread per stage\n", items, capacity);
    fmt::print("{:>12} {:>16} {:>22}\n", "chunk items", "items/s per hop", "hop-items/s (x3 hops)");
    for (const std::size_t chunk : {1, 8, 32, 128}) {
        const Number n = chunk == 1 ? items / 10 : items;
        const double rate = run_chain(n, capacity, chunk, log);
        fmt::print("{:>12} {:>16.0f} {:>22.0f}\n", chunk, rate, 3 * rate);
    }
    return 0;
}

}  // namespace bin::bench
