// TokenBucket: a rate limit as "when may the next request start" (GCRA form of a token bucket):
// at most `burst` starts at once and `rate` per second after that, plus a pause that a server's
// Retry-After imposes. Callers schedule the request for the returned time instead of waiting, so
// nothing blocks. Thread-safety: all members are safe to call from any thread.
#pragma once

#include <chrono>
#include <mutex>

namespace net {

class TokenBucket {
public:
    using Clock = std::chrono::steady_clock;

    // rate <= 0: unlimited. burst < 1 counts as 1.
    TokenBucket(double rate_per_second, double burst);

    // Takes one token and returns when it may be used (>= now). In any window of length w the
    // returned times number at most burst + rate * w.
    [[nodiscard]] Clock::time_point reserve(Clock::time_point now);
    // No start is granted before `until`.
    void pause_until(Clock::time_point until);

private:
    std::mutex mutex_;
    Clock::duration interval_{};
    Clock::duration tolerance_{};   // (burst - 1) intervals
    Clock::time_point theoretical_arrival_{};
    Clock::time_point paused_until_{};
    bool unlimited_;
};

}  // namespace net
