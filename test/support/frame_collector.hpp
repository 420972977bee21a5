// Test sink for a SocketReader: keeps every frame it is handed, optionally blocking first.
// Thread-safety: add() from the reader's thread, everything else from the test thread.
#pragma once

#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <vector>

#include "stages/socket_read/raw_frame.hpp"

namespace test_support {

class FrameCollector {
public:
    void add(stages::socket_read::RawFrame&& frame, std::stop_token stop) {
        std::unique_lock lock(mutex_);
        ++offered_;
        changed_.notify_all();
        // Blocks like a full queue would, until released or stopped.
        changed_.wait(lock, stop, [&] { return !hold_; });
        if (stop.stop_requested() && hold_) return;
        frames_.push_back(std::move(frame.bytes));
        changed_.notify_all();
    }

    void hold(bool on) {
        std::lock_guard lock(mutex_);
        hold_ = on;
        changed_.notify_all();
    }

    [[nodiscard]] std::size_t size() const {
        std::lock_guard lock(mutex_);
        return frames_.size();
    }
    [[nodiscard]] std::size_t offered() const {
        std::lock_guard lock(mutex_);
        return offered_;
    }
    [[nodiscard]] std::vector<std::vector<std::byte>> frames() const {
        std::lock_guard lock(mutex_);
        return frames_;
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable_any changed_;
    std::vector<std::vector<std::byte>> frames_;
    std::size_t offered_ = 0;
    bool hold_ = false;
};

}  // namespace test_support
