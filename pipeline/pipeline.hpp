// Pipeline: owns the edges (queues, lanes, priority inputs) and the stage runners, wires them
// upstream to downstream, and runs the two-speed shutdown. Build it, start(), then from any
// thread request_stop() (twice for a hard stop); wait() joins and reports the first failure.
// Thread-safety: building and wait() from one thread; request_stop() from any thread.
#pragma once

#include <chrono>
#include <concepts>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/log.hpp"
#include "common/result.hpp"
#include "pipeline/lanes.hpp"
#include "pipeline/metrics.hpp"
#include "pipeline/priority_input.hpp"
#include "pipeline/queue.hpp"
#include "pipeline/shutdown.hpp"
#include "pipeline/source_runner.hpp"
#include "pipeline/stage_runner.hpp"

namespace pipeline {

struct PipelineOptions {
    std::chrono::milliseconds shutdown_deadline{30'000};
    std::chrono::milliseconds metrics_interval{1'000};
    // Most items one queue operation moves (Queue<T>); 1 turns chunking off.
    std::size_t chunk_items = max_chunk_items;
};

class Pipeline {
public:
    Pipeline(const common::Log& log, Metrics& metrics, PipelineOptions options = {});
    // Aborts and joins whatever still runs.
    ~Pipeline();
    Pipeline(const Pipeline&) = delete;
    Pipeline& operator=(const Pipeline&) = delete;

    template <class T>
    Queue<T>& queue(const std::string& name, std::size_t capacity) {
        return own(std::make_unique<Queue<T>>(name, capacity, &metrics_.queue(name, capacity), nullptr,
                                             options_.chunk_items));
    }

    template <Keyed T>
    Lanes<T>& lanes(const std::string& name, std::size_t lanes, std::size_t capacity_per_lane) {
        auto stats = [&](std::size_t i) { return &metrics_.queue(fmt::format("{}/{}", name, i), capacity_per_lane); };
        return own(std::make_unique<Lanes<T>>(name, lanes, capacity_per_lane, stats, options_.chunk_items));
    }

    template <class T>
    PriorityInput<T>& priority(const std::string& name, std::size_t live_capacity, std::size_t backfill_capacity) {
        return own(std::make_unique<PriorityInput<T>>(name, live_capacity, backfill_capacity,
                                                      &metrics_.queue(name + "/live", live_capacity),
                                                      &metrics_.queue(name + "/backfill", backfill_capacity),
                                                      options_.chunk_items));
    }

    // `make` builds one stage instance; it runs once on every worker thread.
    template <SourceStage S>
    void source(const std::string& name, const StageSettings& settings, std::function<S()> make,
                Output<typename S::Out>& to) {
        runners_.push_back(std::make_unique<SourceRunner<S>>(context(name, settings), std::move(make), to));
    }

    template <Stage S>
    void stage(const std::string& name, const StageSettings& settings, std::function<S()> make,
               Inlet<typename S::In>& from, Output<typename S::Out>& to) {
        runners_.push_back(std::make_unique<StageRunner<S>>(context(name, settings), std::move(make), from, &to));
    }

    template <Stage S>
        requires std::same_as<typename S::Out, Nothing>
    void sink(const std::string& name, const StageSettings& settings, std::function<S()> make,
              Inlet<typename S::In>& from) {
        runners_.push_back(std::make_unique<StageRunner<S>>(context(name, settings), std::move(make), from, nullptr));
    }

    void start();
    // First call: sources stop and every queue drains; second call: hard stop.
    void request_stop();
    // Joins every worker. Error: the first failure, or why the queues had to be aborted.
    [[nodiscard]] common::Result<void> wait();

private:
    template <class E>
    E& own(std::unique_ptr<E> edge) {
        E& ref = *edge;
        shutdown_.watch(ref);
        edges_.push_back(std::move(edge));
        return ref;
    }
    RunnerContext context(const std::string& name, const StageSettings& settings);
    void publish_metrics_until(std::stop_token stop);

    std::shared_ptr<spdlog::logger> log_;
    Metrics& metrics_;
    PipelineOptions options_;
    // Declared before the runners so that workers are joined before edges go away.
    std::vector<std::unique_ptr<Abortable>> edges_;
    Shutdown shutdown_;
    std::vector<std::unique_ptr<Runner>> runners_;
    std::mutex publish_mutex_;
    std::condition_variable_any publish_wake_;
    std::jthread publisher_;
    bool started_ = false;
    bool joined_ = false;
};

}  // namespace pipeline
