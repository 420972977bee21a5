// LaneThread: a thread that runs one task at a time for the batch writer: a writer lane's part of a
// batch, on that lane's own connection, while the writer's thread applies another lane's part.
// Thread-safety: start() and wait() from one (the writer's) thread.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>

#include "common/thread_name.hpp"

namespace stages::batch_write {

class LaneThread {
public:
    explicit LaneThread(std::string name)
        : thread_([this, name = std::move(name)](std::stop_token stop) {
              common::name_this_thread(name);
              run(stop);
          }) {}
    LaneThread(const LaneThread&) = delete;
    LaneThread& operator=(const LaneThread&) = delete;
    ~LaneThread() { thread_.request_stop(); }  // the jthread wakes the wait and joins

    // Runs `task` on the thread; the previous task must have been waited for.
    void start(std::function<void()> task) {
        {
            std::lock_guard lock(mutex_);
            task_ = std::move(task);
        }
        wake_.notify_all();
    }

    // Returns once the task started last has finished.
    void wait() {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return !task_; });
    }

private:
    void run(const std::stop_token& stop) {
        std::unique_lock lock(mutex_);
        while (wake_.wait(lock, stop, [this] { return static_cast<bool>(task_); })) {
            lock.unlock();
            task_();
            lock.lock();
            task_ = nullptr;
            wake_.notify_all();
        }
    }

    std::mutex mutex_;
    std::condition_variable_any wake_;
    std::function<void()> task_;  // set: waiting to run or running
    std::jthread thread_;         // last: started once the members it uses exist
};

}  // namespace stages::batch_write
