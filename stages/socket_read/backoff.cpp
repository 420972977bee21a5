#include "stages/socket_read/backoff.hpp"

#include <algorithm>

namespace stages::socket_read {

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, std::uint64_t seed)
    : initial_(std::max(initial, std::chrono::milliseconds{1})), max_(std::max(max, initial_)), random_(seed) {}

std::chrono::milliseconds Backoff::next() {
    // Doubling stops once the cap is reached, so the shift never overflows.
    std::int64_t ceiling = initial_.count();
    for (std::uint32_t i = 0; i < attempts_ && ceiling < max_.count(); ++i) ceiling *= 2;
    ceiling = std::min(ceiling, max_.count());
    ++attempts_;
    std::uniform_int_distribution<std::int64_t> jitter(ceiling / 2, ceiling);
    return std::chrono::milliseconds{jitter(random_)};
}

}  // namespace stages::socket_read
