#include "ops/status_rates.hpp"

#include <algorithm>

namespace ops {
namespace {

double per_second(double before, double after, double interval_s) {
    if (interval_s <= 0 || after < before) return 0;
    return (after - before) / interval_s;
}

const StageStatus* find_stage(const DaemonStatus& status, const std::string& name) {
    for (const auto& stage : status.stages) {
        if (stage.name == name) return &stage;
    }
    return nullptr;
}

}  // namespace

StatusRates derive_rates(const DaemonStatus& before, const DaemonStatus& after, double interval_s) {
    StatusRates rates;
    rates.interval_s = interval_s;
    for (const auto& stage : after.stages) {
        const StageStatus zero{};
        const StageStatus* earlier = find_stage(before, stage.name);
        if (earlier == nullptr) earlier = &zero;
        StageRates r;
        r.in_per_s =
            per_second(static_cast<double>(earlier->items_in), static_cast<double>(stage.items_in), interval_s);
        r.out_per_s =
            per_second(static_cast<double>(earlier->items_out), static_cast<double>(stage.items_out), interval_s);
        if (stage.threads > 0) {
            const double busy = per_second(earlier->busy_seconds, stage.busy_seconds, interval_s);
            r.busy_share = std::clamp(busy / stage.threads, 0.0, 1.0);
        }
        rates.stages.push_back(r);
    }
    const auto& b0 = before.backfill;
    const auto& b1 = after.backfill;
    rates.backfill_records_per_s = per_second(static_cast<double>(b0.records_extracted),
                                              static_cast<double>(b1.records_extracted), interval_s);
    const double repos_per_s =
        per_second(static_cast<double>(b0.repos_done), static_cast<double>(b1.repos_done), interval_s);
    if (repos_per_s > 0) rates.backfill_eta_s = static_cast<double>(b1.repos_remaining) / repos_per_s;
    return rates;
}

StatusRates RateTracker::update(const DaemonStatus& current, Clock::time_point now) {
    if (!previous_) {
        last_ = derive_rates(DaemonStatus{}, current, current.uptime_s);
    } else if (now - previous_at_ >= min_window_) {
        last_ = derive_rates(*previous_, current, std::chrono::duration<double>(now - previous_at_).count());
    } else {
        return last_;
    }
    previous_ = current;
    previous_at_ = now;
    return last_;
}

}  // namespace ops
