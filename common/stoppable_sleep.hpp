// Sleeping that a std::stop_token can cut short: for retry backoff in threads that must stop
// promptly. Thread-safety: free function, no shared state.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>

namespace common {

// Sleeps for `delay` unless `stop` is requested first; false when it was.
inline bool sleep_unless_stopped(std::chrono::milliseconds delay, const std::stop_token& stop) {
    std::mutex mutex;
    std::condition_variable_any wake;
    std::unique_lock lock(mutex);
    return !wake.wait_for(lock, stop, delay, [] { return false; }) && !stop.stop_requested();
}

}  // namespace common
