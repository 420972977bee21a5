#include <chrono>
#include <vector>

#include <catch2/catch.hpp>

#include "net/token_bucket.hpp"

using namespace std::chrono_literals;
using Clock = net::TokenBucket::Clock;

TEST_CASE("a token bucket grants its burst at once and then one start per interval", "[net][token_bucket]") {
    net::TokenBucket bucket(10.0, 3.0);
    const Clock::time_point now{1h};
    std::vector<Clock::time_point> starts;
    for (int i = 0; i < 6; ++i) starts.push_back(bucket.reserve(now));
    CHECK(starts[0] == now);
    CHECK(starts[1] == now);
    CHECK(starts[2] == now);
    CHECK(starts[3] == now + 100ms);
    CHECK(starts[4] == now + 200ms);
    CHECK(starts[5] == now + 300ms);
}

TEST_CASE("a token bucket never grants more than burst plus rate times the window", "[net][token_bucket]") {
    net::TokenBucket bucket(5.0, 2.0);
    std::vector<Clock::time_point> starts;
    Clock::time_point now{1h};
    for (int i = 0; i < 40; ++i) {
        starts.push_back(bucket.reserve(now));
        now += (i % 3 == 0) ? 0ms : 70ms;   // bursts of requests mixed with a steady trickle
    }
    for (std::size_t i = 0; i < starts.size(); ++i) {
        for (std::size_t j = i; j < starts.size(); ++j) {
            const double window = std::chrono::duration<double>(starts[j] - starts[i]).count();
            INFO(i << ".." << j);
            CHECK(static_cast<double>(j - i + 1) <= 2.0 + 5.0 * window + 1e-9);
        }
    }
}

TEST_CASE("a token bucket refills while idle but not beyond its burst", "[net][token_bucket]") {
    net::TokenBucket bucket(1.0, 2.0);
    const Clock::time_point now{1h};
    (void)bucket.reserve(now);
    (void)bucket.reserve(now);
    const Clock::time_point later = now + 100s;
    CHECK(bucket.reserve(later) == later);
    CHECK(bucket.reserve(later) == later);
    CHECK(bucket.reserve(later) == later + 1s);
}

TEST_CASE("a paused token bucket grants nothing before the pause ends", "[net][token_bucket]") {
    net::TokenBucket bucket(100.0, 10.0);
    const Clock::time_point now{1h};
    bucket.pause_until(now + 5s);
    CHECK(bucket.reserve(now) == now + 5s);
    CHECK(bucket.reserve(now + 6s) == now + 6s);
}

TEST_CASE("a token bucket with no rate is unlimited", "[net][token_bucket]") {
    net::TokenBucket bucket(0.0, 1.0);
    const Clock::time_point now{1h};
    for (int i = 0; i < 100; ++i) CHECK(bucket.reserve(now) == now);
}
