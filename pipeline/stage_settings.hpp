// How the runner runs one stage: its worker threads, its input queue's capacity, and for
// batching stages when to flush. Plain value; filled from configuration.
#pragma once

#include <chrono>
#include <cstddef>

namespace pipeline {

struct StageSettings {
    std::size_t threads = 1;
    std::size_t queue_capacity = 4096;
    std::size_t batch_size = 1000;
    std::chrono::milliseconds flush_interval{1000};
    // Batching stages: also flush whenever the input runs dry (group commit, lowest latency).
    bool flush_when_idle = false;
};

}  // namespace pipeline
