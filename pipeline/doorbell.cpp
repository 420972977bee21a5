#include "pipeline/doorbell.hpp"

#include <tbb/concurrent_queue.h>

namespace pipeline {

void Doorbell::ring(std::size_t times) {
    bool wake = false;
    {
        std::lock_guard lock(mutex_);
        rings_ += times;
        wake = waiters_ > 0;
    }
    // Skipping the notify when nobody waits keeps the busy path free of futex calls.
    if (!wake) return;
    if (times == 1) {
        wake_.notify_one();
    } else {
        wake_.notify_all();
    }
}

bool Doorbell::wait(Deadline deadline) {
    std::unique_lock lock(mutex_);
    if (rings_ == 0 && !aborted_ && deadline == no_wait) return false;
    while (rings_ == 0 && !aborted_) {
        ++waiters_;
        if (deadline == forever) {
            wake_.wait(lock);
        } else if (wake_.wait_until(lock, deadline) == std::cv_status::timeout) {
            --waiters_;
            if (rings_ == 0 && !aborted_) return false;
            break;
        }
        --waiters_;
    }
    if (aborted_) throw tbb::user_abort();
    --rings_;
    return true;
}

void Doorbell::abort() {
    {
        std::lock_guard lock(mutex_);
        aborted_ = true;
    }
    wake_.notify_all();
}

}  // namespace pipeline
