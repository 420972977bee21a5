#include "storage/spill/high_water.hpp"

namespace storage::spill {

HighWater::HighWater(std::uint64_t max_items, std::uint64_t max_bytes) noexcept
    : max_items_(max_items), max_bytes_(max_bytes) {}

Pressure HighWater::update(std::uint64_t items, std::uint64_t bytes) {
    const bool above = (max_items_ != 0 && items >= max_items_) || (max_bytes_ != 0 && bytes >= max_bytes_);
    {
        std::lock_guard lock(mutex_);
        above_ = above;
    }
    if (!above) below_.notify_all();
    return above ? Pressure::above_high_water : Pressure::below_high_water;
}

Pressure HighWater::pressure() const {
    std::lock_guard lock(mutex_);
    return above_ ? Pressure::above_high_water : Pressure::below_high_water;
}

bool HighWater::wait_below(std::stop_token stop) {
    std::unique_lock lock(mutex_);
    return below_.wait(lock, stop, [this] { return !above_; });
}

}  // namespace storage::spill
