// A counting wake-up signal: one ring per chunk pushed, one wait per chunk popped. It lets a
// consumer block with a deadline (tbb queues have no timed pop) and wait on two queues at once
// (PriorityInput). Thread-safety: every method is safe from any thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>

#include "pipeline/edge.hpp"

namespace pipeline {

class Doorbell {
public:
    void ring(std::size_t times = 1);
    // Takes one ring; false when the deadline passed first. Throws: tbb::user_abort after abort().
    [[nodiscard]] bool wait(Deadline deadline);
    void abort();

private:
    std::mutex mutex_;
    std::condition_variable wake_;
    std::size_t rings_ = 0;
    std::size_t waiters_ = 0;
    bool aborted_ = false;
};

}  // namespace pipeline
