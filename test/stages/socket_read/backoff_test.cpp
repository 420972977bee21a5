#include "stages/socket_read/backoff.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using stages::socket_read::Backoff;

TEST_CASE("backoff doubles with jitter in the upper half and stops at the cap", "[socket_read][backoff]") {
    Backoff backoff(100ms, 1'000ms, 7);
    const std::chrono::milliseconds ceilings[] = {100ms, 200ms, 400ms, 800ms, 1'000ms, 1'000ms, 1'000ms};
    for (const auto ceiling : ceilings) {
        const auto delay = backoff.next();
        CHECK(delay >= ceiling / 2);
        CHECK(delay <= ceiling);
    }
    CHECK(backoff.attempts() == 7);
}

TEST_CASE("backoff reset starts again from the initial delay", "[socket_read][backoff]") {
    Backoff backoff(100ms, 60'000ms, 1);
    for (int i = 0; i < 40; ++i) CHECK(backoff.next() <= 60'000ms);
    backoff.reset();
    CHECK(backoff.next() <= 100ms);
}

TEST_CASE("backoff jitter spreads clients that start together", "[socket_read][backoff]") {
    Backoff a(1'000ms, 60'000ms, 1);
    Backoff b(1'000ms, 60'000ms, 2);
    int different = 0;
    for (int i = 0; i < 8; ++i) different += a.next() != b.next() ? 1 : 0;
    CHECK(different >= 6);
}
