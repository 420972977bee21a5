#include "pipeline/pipeline.hpp"

#include "common/thread_name.hpp"

namespace pipeline {

Pipeline::Pipeline(const common::Log& log, Metrics& metrics, PipelineOptions options)
    : log_(log.component("pipeline")), metrics_(metrics), options_(options),
      shutdown_(log_, options.shutdown_deadline) {}

Pipeline::~Pipeline() {
    if (started_ && !joined_) {
        shutdown_.abort("the pipeline was destroyed while running");
        (void)wait();
    }
}

RunnerContext Pipeline::context(const std::string& name, const StageSettings& settings) {
    return RunnerContext{name, settings, shutdown_, metrics_.stage(name)};
}

void Pipeline::start() {
    started_ = true;
    for (auto& runner : runners_) runner->start();
    publisher_ = std::jthread([this](std::stop_token stop) {
        common::name_this_thread("metrics");
        publish_metrics_until(stop);
    });
}

void Pipeline::publish_metrics_until(std::stop_token stop) {
    std::unique_lock lock(publish_mutex_);
    while (!publish_wake_.wait_for(lock, stop, options_.metrics_interval, [] { return false; })) {
        if (stop.stop_requested()) return;
        metrics_.update();
    }
}

void Pipeline::request_stop() {
    shutdown_.request_stop();
}

common::Result<void> Pipeline::wait() {
    // Upstream first: by the time a downstream stage is joined its input has ended.
    for (auto& runner : runners_) runner->join();
    joined_ = true;
    shutdown_.finished();
    publisher_ = std::jthread();
    metrics_.update();
    if (auto error = shutdown_.error()) return common::fail(*error);
    return {};
}

}  // namespace pipeline
