#include "ops/status_rates.hpp"

#include <catch2/catch.hpp>


namespace {

ops::DaemonStatus at(std::uint64_t items, double busy, std::uint64_t repos_done, std::uint64_t records) {
    ops::DaemonStatus s;
    s.stages = {{"decode", "live", 4, items, items * 2, 0, 0, busy}};
    s.backfill.repos_done = repos_done;
    s.backfill.repos_remaining = 1000;
    s.backfill.records_extracted = records;
    return s;
}

}  // namespace

TEST_CASE("rates are the counter increase over the interval", "[ops][status_rates]") {
    const auto r = ops::derive_rates(at(100, 1.0, 10, 5000), at(300, 5.0, 20, 9000), 2.0);
    REQUIRE(r.stages.size() == 1);
    CHECK(r.stages[0].in_per_s == Approx(100));
    CHECK(r.stages[0].out_per_s == Approx(200));
    CHECK(r.stages[0].busy_share == Approx(0.5));   // 4 busy seconds over 4 threads × 2 s
    CHECK(r.backfill_records_per_s == Approx(2000));
    REQUIRE(r.backfill_eta_s.has_value());
    CHECK(*r.backfill_eta_s == Approx(200));          // 1000 remaining at 5 repos/s
}

TEST_CASE("a counter that went backwards gives a zero rate, not a negative one", "[ops][status_rates]") {
    const auto r = ops::derive_rates(at(300, 5.0, 20, 9000), at(100, 1.0, 20, 100), 1.0);
    CHECK(r.stages[0].in_per_s == 0);
    CHECK(r.stages[0].busy_share == 0);
    CHECK(r.backfill_records_per_s == 0);
    CHECK_FALSE(r.backfill_eta_s.has_value());   // no repo finished: no estimate
}

TEST_CASE("a stage new in the later snapshot counts from zero", "[ops][status_rates]") {
    ops::DaemonStatus before;
    const auto r = ops::derive_rates(before, at(50, 0.5, 0, 0), 1.0);
    CHECK(r.stages[0].in_per_s == Approx(50));
}

TEST_CASE("the rate tracker averages over uptime first, then over its window", "[ops][status_rates]") {
    using namespace std::chrono_literals;
    ops::RateTracker tracker(500ms);
    const auto t0 = ops::RateTracker::Clock::time_point{} + 100s;
    auto first = at(1000, 0, 0, 0);
    first.uptime_s = 10;
    CHECK(tracker.update(first, t0).stages[0].in_per_s == Approx(100));
    // Too soon: the last rates again, whatever the new counters say.
    CHECK(tracker.update(at(5000, 0, 0, 0), t0 + 100ms).stages[0].in_per_s == Approx(100));
    CHECK(tracker.update(at(1500, 0, 0, 0), t0 + 1s).stages[0].in_per_s == Approx(500));
}
