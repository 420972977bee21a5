// Reconnect delays: exponential with jitter, capped, reset after a healthy connection.
// Thread-safety: none; owned and used by one reader's service thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace stages::socket_read {

class Backoff {
public:
    Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, std::uint64_t seed);

    // The delay before the next attempt, then counts the attempt. "Equal jitter": uniform in
    // [d/2, d] with d = min(max, initial * 2^attempts), so clients that dropped together spread out
    // while the delay still grows.
    [[nodiscard]] std::chrono::milliseconds next();
    void reset() noexcept { attempts_ = 0; }
    [[nodiscard]] std::uint32_t attempts() const noexcept { return attempts_; }

private:
    std::chrono::milliseconds initial_;
    std::chrono::milliseconds max_;
    std::uint32_t attempts_ = 0;
    std::mt19937_64 random_;
};

}  // namespace stages::socket_read
