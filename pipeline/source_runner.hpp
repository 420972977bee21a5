// SourceRunner<S>: runs a source stage on its worker threads, calling produce until the source
// says stop or the pipeline's stop token is set, then the last worker out closes the output.
// Thread-safety: start/join from the owning thread; workers share only atomics and the edge.
#pragma once

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <thread>
#include <vector>

#include <tbb/concurrent_queue.h>

#include "common/thread_name.hpp"
#include "pipeline/runner.hpp"

namespace pipeline {

template <SourceStage S>
class SourceRunner final : public Runner {
    using Out = typename S::Out;

public:
    SourceRunner(RunnerContext context, std::function<S()> make, Output<Out>& to)
        : context_(std::move(context)), make_(std::move(make)), to_(to) {
        to_.add_producer();
    }

    void start() override {
        const std::size_t workers = std::max<std::size_t>(1, context_.settings.threads);
        alive_.store(workers);
        for (std::size_t i = 0; i < workers; ++i) threads_.emplace_back([this] {
            common::name_this_thread(context_.name);
            run();
        });
    }
    void join() override { threads_.clear(); }

private:
    void run() noexcept {
        try {
            work();
            if (alive_.fetch_sub(1) == 1) to_.close();
        } catch (const tbb::user_abort&) {
        } catch (const std::exception& e) {
            context_.counters.errors.fetch_add(1, std::memory_order_relaxed);
            context_.shutdown.fail(context_.name, "(producing)", e.what());
        } catch (...) {
            context_.counters.errors.fetch_add(1, std::memory_order_relaxed);
            context_.shutdown.fail(context_.name, "(producing)", "unknown exception");
        }
    }

    void work() {
        S stage = make_();
        ChunkEmit<Out> emit(&to_);
        const std::stop_token stop = context_.shutdown.source_token();
        auto& c = context_.counters;
        constexpr auto relaxed = std::memory_order_relaxed;
        while (!stop.stop_requested()) {
            const auto started = Clock::now();
            const Outcome outcome = stage.produce(stop, emit);
            // A source returns between items it waited for, so this is where it must not linger.
            emit.send_all();
            c.items_out.fetch_add(emit.take_emitted(), relaxed);
            if (outcome == Outcome::rejected) c.rejected.fetch_add(1, relaxed);
            const auto busy = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - started);
            c.busy_ns.fetch_add(static_cast<std::uint64_t>(busy.count()), relaxed);
            if (outcome == Outcome::stop) break;
        }
    }

    RunnerContext context_;
    std::function<S()> make_;
    Output<Out>& to_;
    std::atomic<std::size_t> alive_{0};
    std::vector<std::jthread> threads_;
};

}  // namespace pipeline
