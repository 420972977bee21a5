// Rates from two status snapshots: stage throughput and busy share, backfill records/s and ETA.
// RateTracker keeps the previous snapshot for the server so every client sees the same rates.
// Thread-safety: derive_rates is pure; a RateTracker belongs to one thread (the server's).
#pragma once

#include <chrono>
#include <optional>
#include <vector>

#include "ops/daemon_status.hpp"

namespace ops {

struct StageRates {
    double in_per_s = 0;
    double out_per_s = 0;
    double busy_share = 0;   // 0..1: busy time over (threads × interval)
};

struct StatusRates {
    double interval_s = 0;               // the window the rates cover
    std::vector<StageRates> stages;      // parallel to the later snapshot's stages
    double backfill_records_per_s = 0;
    std::optional<double> backfill_eta_s;   // nullopt while no repo finishes
};

// Rates from `before` to `after`, `interval_s` apart. Stages are matched by name; a stage new in
// `after` counts from zero. Counters that went backwards (a restart) count as zero.
[[nodiscard]] StatusRates derive_rates(const DaemonStatus& before, const DaemonStatus& after, double interval_s);

class RateTracker {
public:
    using Clock = std::chrono::steady_clock;

    // Windows shorter than this reuse the last rates, so many polling clients do not shrink
    // the window into noise.
    explicit RateTracker(Clock::duration min_window = std::chrono::milliseconds(500)) : min_window_(min_window) {}

    // The rates for `current`. The first call averages over the uptime (from an all-zero start).
    [[nodiscard]] StatusRates update(const DaemonStatus& current, Clock::time_point now);

private:
    Clock::duration min_window_;
    std::optional<DaemonStatus> previous_;
    Clock::time_point previous_at_{};
    StatusRates last_;
};

}  // namespace ops
