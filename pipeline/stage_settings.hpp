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
    // With flush_when_idle: when the input runs dry, a batch under a quarter of batch_size whose
    // first item is younger than this waits for more input until it is that old. At a moderate
    // rate a writer that commits the moment its input runs dry commits a few items at a time and
    // spends most of its time on per-commit costs; lingering trades at most this much latency for
    // fewer, larger commits. Larger batches (under load) are written at once.
    std::chrono::milliseconds idle_linger{0};
};

}  // namespace pipeline
