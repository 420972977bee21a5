// HighWater: the "pause the producer" gate of a spill queue. The queue reports its counts after each commit;
// producers see Pressure::high from push() and may block in wait_below() until consumers acknowledge enough.
// Thread-safety: all members may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <stop_token>

namespace storage::spill {

enum class Pressure : std::uint8_t { below_high_water, above_high_water };

class HighWater {
public:
    // A limit of 0 is "no limit".
    HighWater(std::uint64_t max_items, std::uint64_t max_bytes) noexcept;

    Pressure update(std::uint64_t items, std::uint64_t bytes);
    [[nodiscard]] Pressure pressure() const;
    // Blocks while above the mark. Returns false if `stop` was requested first.
    bool wait_below(std::stop_token stop);

private:
    std::uint64_t max_items_;
    std::uint64_t max_bytes_;
    mutable std::mutex mutex_;
    std::condition_variable_any below_;
    bool above_ = false;
};

}  // namespace storage::spill
