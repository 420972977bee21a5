#include "net/token_bucket.hpp"

#include <algorithm>

namespace net {

TokenBucket::TokenBucket(double rate_per_second, double burst) : unlimited_(rate_per_second <= 0) {
    if (unlimited_) return;
    interval_ = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / rate_per_second));
    tolerance_ = std::chrono::duration_cast<Clock::duration>(interval_ * (std::max(burst, 1.0) - 1.0));
}

TokenBucket::Clock::time_point TokenBucket::reserve(Clock::time_point now) {
    std::lock_guard lock(mutex_);
    const Clock::time_point start = std::max({now, paused_until_, unlimited_ ? now : theoretical_arrival_ - tolerance_});
    if (!unlimited_) theoretical_arrival_ = std::max(theoretical_arrival_, start) + interval_;
    return start;
}

void TokenBucket::pause_until(Clock::time_point until) {
    std::lock_guard lock(mutex_);
    paused_until_ = std::max(paused_until_, until);
}

}  // namespace net
