// Two-speed shutdown. Graceful: the sources' stop token is set and every queue drains to its
// end marker within the deadline. Hard (a second request, the deadline, or the first worker
// failure): every queue is aborted, again and again until the workers are all joined.
// Thread-safety: every method is safe from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <spdlog/logger.h>

#include "pipeline/edge.hpp"

namespace pipeline {

class Shutdown {
public:
    Shutdown(std::shared_ptr<spdlog::logger> log, std::chrono::milliseconds deadline);
    ~Shutdown();
    Shutdown(const Shutdown&) = delete;
    Shutdown& operator=(const Shutdown&) = delete;

    // Registers an edge to abort on a hard stop; call before the pipeline starts.
    void watch(Abortable& edge);
    [[nodiscard]] std::stop_token source_token() const noexcept { return sources_.get_token(); }

    // A stop signal: the first stops gracefully, the second stops hard.
    void request_stop();
    // Stops the sources and arms the deadline; repeated calls change nothing.
    void stop_gracefully();
    // Records the first failure (later ones only count), logs it once, and stops hard.
    void fail(std::string_view stage, std::string_view item, std::string_view what);
    void abort(std::string reason);
    // Every worker has been joined: the deadline no longer matters.
    void finished();

    // Why the pipeline did not end cleanly, if it did not.
    [[nodiscard]] std::optional<std::string> error() const;

private:
    void watch_loop();
    void abort_edges();

    std::shared_ptr<spdlog::logger> log_;
    std::chrono::milliseconds deadline_;
    std::stop_source sources_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<Abortable*> edges_;
    std::optional<Clock::time_point> drain_until_;
    std::optional<std::string> error_;
    int stop_requests_ = 0;
    bool aborting_ = false;
    bool finished_ = false;
    std::jthread watcher_;
};

}  // namespace pipeline
