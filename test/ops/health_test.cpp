#include "ops/health.hpp"

#include <catch2/catch.hpp>

namespace {

ops::DaemonStatus healthy() {
    ops::DaemonStatus s;
    s.uptime_s = 600;
    s.relays = {{"relay.one", ops::SourceKind::relay, true, 10, 0.5, 0.2},
                {"labels.one", ops::SourceKind::labeler, true, 3, 500.0, 1.0}};
    return s;
}

}  // namespace

TEST_CASE("a connected relay with recent frames and a reachable database is healthy", "[ops][health]") {
    const auto health = ops::evaluate_health(healthy());
    CHECK(health.healthy);
    CHECK(health.problems.empty());
}

TEST_CASE("a relay silent for over a minute makes the daemon unhealthy", "[ops][health]") {
    auto s = healthy();
    s.relays[0].last_frame_age_s = 60.0;
    CHECK(ops::evaluate_health(s).healthy);   // exactly the limit is still fine
    s.relays[0].last_frame_age_s = 61.0;
    s.relays[0].connected = false;
    const auto health = ops::evaluate_health(s);
    CHECK_FALSE(health.healthy);
    REQUIRE(health.problems.size() == 1);
    CHECK(health.problems[0] == "relay relay.one has sent nothing for 61 s (disconnected)");
}

TEST_CASE("a quiet labeler does not make the daemon unhealthy", "[ops][health]") {
    auto s = healthy();
    s.relays[1].last_frame_age_s = 3600.0;
    s.relays[1].connected = false;
    CHECK(ops::evaluate_health(s).healthy);
}

TEST_CASE("a relay that never sent a frame is silent since start", "[ops][health]") {
    auto s = healthy();
    s.relays[0].last_frame_age_s.reset();
    s.uptime_s = 30;
    CHECK(ops::evaluate_health(s).healthy);
    s.uptime_s = 90;
    CHECK_FALSE(ops::evaluate_health(s).healthy);
}

TEST_CASE("an unreachable database makes the daemon unhealthy and says why", "[ops][health]") {
    auto s = healthy();
    s.db.reachable = false;
    s.db.error = "connection refused";
    const auto health = ops::evaluate_health(s);
    CHECK_FALSE(health.healthy);
    REQUIRE(health.problems.size() == 1);
    CHECK(health.problems[0] == "PostgreSQL is unreachable: connection refused");
}

TEST_CASE("the silence limit comes from the policy", "[ops][health]") {
    auto s = healthy();
    s.relays[0].last_frame_age_s = 20.0;
    CHECK(ops::evaluate_health(s, {.max_relay_silence_s = 60}).healthy);
    CHECK_FALSE(ops::evaluate_health(s, {.max_relay_silence_s = 10}).healthy);
}
