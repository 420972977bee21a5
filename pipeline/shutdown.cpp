#include "pipeline/shutdown.hpp"

#include <fmt/core.h>

namespace pipeline {

namespace {
// tbb only wakes the calls already blocked when aborted, so a push that raced past the flag
// can still block; aborting again at this pace catches it.
constexpr std::chrono::milliseconds reabort_interval{20};
}  // namespace

Shutdown::Shutdown(std::shared_ptr<spdlog::logger> log, std::chrono::milliseconds deadline)
    : log_(std::move(log)), deadline_(deadline), watcher_([this] { watch_loop(); }) {}

Shutdown::~Shutdown() {
    finished();
}

void Shutdown::watch(Abortable& edge) {
    std::lock_guard lock(mutex_);
    edges_.push_back(&edge);
}

void Shutdown::request_stop() {
    int requests = 0;
    {
        std::lock_guard lock(mutex_);
        requests = ++stop_requests_;
    }
    if (requests == 1) {
        log_->info("stop requested: draining every queue (deadline {} ms)", deadline_.count());
        stop_gracefully();
    } else {
        abort("a second stop request");
    }
}

void Shutdown::stop_gracefully() {
    {
        std::lock_guard lock(mutex_);
        if (drain_until_ || finished_) return;
        drain_until_ = Clock::now() + deadline_;
    }
    sources_.request_stop();
    wake_.notify_all();
}

void Shutdown::fail(std::string_view stage, std::string_view item, std::string_view what) {
    auto message = fmt::format("stage '{}' failed on {}: {}", stage, item, what);
    {
        std::lock_guard lock(mutex_);
        if (error_ || finished_) return;
        error_ = message;
        aborting_ = true;
    }
    log_->error("{}; stopping the pipeline", message);
    sources_.request_stop();
    wake_.notify_all();
}

void Shutdown::abort(std::string reason) {
    {
        std::lock_guard lock(mutex_);
        if (finished_ || aborting_) return;
        error_ = std::move(reason);
        aborting_ = true;
    }
    log_->warn("aborting every queue: {}", *error());
    sources_.request_stop();
    wake_.notify_all();
}

void Shutdown::finished() {
    {
        std::lock_guard lock(mutex_);
        finished_ = true;
    }
    wake_.notify_all();
    if (watcher_.joinable() && watcher_.get_id() != std::this_thread::get_id()) watcher_.join();
}

std::optional<std::string> Shutdown::error() const {
    std::lock_guard lock(mutex_);
    return error_;
}

void Shutdown::abort_edges() {
    for (auto* edge : edges_) edge->abort();
}

void Shutdown::watch_loop() {
    std::unique_lock lock(mutex_);
    while (!finished_) {
        if (aborting_) {
            abort_edges();
            wake_.wait_for(lock, reabort_interval);
        } else if (drain_until_) {
            if (wake_.wait_until(lock, *drain_until_) == std::cv_status::timeout && !finished_ && !aborting_) {
                aborting_ = true;
                error_ = fmt::format("the drain deadline of {} ms passed", deadline_.count());
                log_->warn("aborting every queue: {}", *error_);
                sources_.request_stop();
            }
        } else {
            wake_.wait(lock);
        }
    }
}

}  // namespace pipeline
