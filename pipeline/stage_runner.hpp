// StageRunner<S>: runs a processing or sink stage on its worker threads, one stage instance per
// worker. Workers pop chunks from their input, call process, count, flush batching stages (on
// batch size, on the flush interval, at end-of-stream), and the last one out closes the output.
// Thread-safety: start/join from the owning thread; workers share only atomics and the edges.
#pragma once

#include <atomic>
#include <exception>
#include <functional>
#include <thread>
#include <vector>

#include <tbb/concurrent_queue.h>

#include "common/thread_name.hpp"
#include "pipeline/runner.hpp"

namespace pipeline {

template <Stage S>
class StageRunner final : public Runner {
    using In = typename S::In;
    using Out = typename S::Out;

public:
    // `to` is null for a sink (S::Out is Nothing).
    StageRunner(RunnerContext context, std::function<S()> make, Inlet<In>& from, Output<Out>* to)
        : context_(std::move(context)), make_(std::move(make)), from_(from), to_(to),
          workers_(from.attach(context_.settings.threads)) {
        if (to_ != nullptr) to_->add_producer();
    }

    void start() override {
        alive_.store(workers_);
        for (std::size_t i = 0; i < workers_; ++i) threads_.emplace_back([this, i] {
            common::name_this_thread(context_.name);
            run(i);
        });
    }
    void join() override { threads_.clear(); }

private:
    struct Batch {
        std::size_t pending = 0;
        Clock::time_point last_flush = Clock::now();
        Clock::time_point first_pending;  // when the first pending item arrived
    };

    void run(std::size_t index) noexcept {
        try {
            work(index);
            if (alive_.fetch_sub(1) == 1 && to_ != nullptr) to_->close();
        } catch (const tbb::user_abort&) {
            // Hard stop: leave without closing; every edge is aborted anyway.
        } catch (const ReportedFailure&) {
        } catch (const std::exception& e) {
            context_.counters.errors.fetch_add(1, std::memory_order_relaxed);
            context_.shutdown.fail(context_.name, "(outside any item)", e.what());
        } catch (...) {
            context_.counters.errors.fetch_add(1, std::memory_order_relaxed);
            context_.shutdown.fail(context_.name, "(outside any item)", "unknown exception");
        }
    }

    void work(std::size_t index) {
        S stage = make_();
        Input<In>& input = from_.input(index);
        ChunkEmit<Out> emit(to_);
        Chunk<In> chunk;
        Batch batch;
        for (;;) {
            Pop got = input.pop(chunk, no_wait);
            if (got == Pop::timeout) {
                // About to sleep: do not hold finished work back. With flush_when_idle a batching
                // stage also writes what it has (group commit): under load its input never runs
                // dry and batches grow to batch_size; when it does, waiting would only add latency
                // — beyond idle_linger, which waits for more until the batch's first item is that old.
                Deadline wake = next_flush(batch);
                if constexpr (BatchingStage<S>) {
                    if (context_.settings.flush_when_idle && batch.pending > 0) {
                        // A quarter-full batch is written at once: under load lingering only idles.
                        const auto due = batch.first_pending + context_.settings.idle_linger;
                        if (Clock::now() >= due || 4 * batch.pending >= context_.settings.batch_size) {
                            flush(stage, emit, batch);
                        } else {
                            wake = std::min(wake, due);
                        }
                    }
                }
                emit.send_all();
                got = input.pop(chunk, wake);
            }
            if (got == Pop::end) break;
            if (got == Pop::timeout) {
                flush(stage, emit, batch);
                continue;
            }
            process_chunk(stage, chunk, emit, batch);
        }
        if constexpr (BatchingStage<S>) flush(stage, emit, batch);
        emit.send_all();
    }

    void process_chunk(S& stage, Chunk<In>& chunk, ChunkEmit<Out>& emit, Batch& batch) {
        const auto started = Clock::now();
        std::uint64_t rejected = 0;
        std::size_t i = 0;
        try {
            for (; i < chunk.size(); ++i) {
                const Outcome outcome = stage.process(std::move(chunk[i]), emit);
                if (outcome == Outcome::rejected) ++rejected;
                if (outcome == Outcome::stop) context_.shutdown.stop_gracefully();
                if constexpr (BatchingStage<S>) {
                    if (batch.pending++ == 0) batch.first_pending = Clock::now();
                    if (batch.pending >= context_.settings.batch_size) flush(stage, emit, batch);
                }
            }
        } catch (const tbb::user_abort&) {
            throw;
        } catch (const ReportedFailure&) {
            throw;
        } catch (const std::exception& e) {
            report(describe_item(chunk[i]), e.what());
        }
        count(i, rejected, emit, started);
    }

    void flush(S& stage, ChunkEmit<Out>& emit, Batch& batch) {
        if constexpr (BatchingStage<S>) {
            try {
                stage.flush(emit);
            } catch (const tbb::user_abort&) {
                throw;
            } catch (const std::exception& e) {
                report("the flush of a batch", e.what());
            }
        }
        batch = Batch{};
    }

    // Batching stages are flushed on every interval, also while no input arrives: a stage may
    // hold work that does not come through its input (the writer's identity inbox).
    Deadline next_flush(const Batch& batch) const {
        if (!BatchingStage<S>) return forever;
        return batch.last_flush + context_.settings.flush_interval;
    }

    [[noreturn]] void report(const std::string& item, const char* what) {
        context_.counters.errors.fetch_add(1, std::memory_order_relaxed);
        context_.shutdown.fail(context_.name, item, what);
        throw ReportedFailure{};
    }

    void count(std::size_t in, std::uint64_t rejected, ChunkEmit<Out>& emit, Clock::time_point started) {
        auto& c = context_.counters;
        constexpr auto relaxed = std::memory_order_relaxed;
        c.items_in.fetch_add(in, relaxed);
        c.rejected.fetch_add(rejected, relaxed);
        c.items_out.fetch_add(emit.take_emitted(), relaxed);
        const auto busy = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - started);
        c.busy_ns.fetch_add(static_cast<std::uint64_t>(busy.count()), relaxed);
    }

    RunnerContext context_;
    std::function<S()> make_;
    Inlet<In>& from_;
    Output<Out>* to_;
    std::size_t workers_;
    std::atomic<std::size_t> alive_{0};
    std::vector<std::jthread> threads_;
};

}  // namespace pipeline
