// A stand-in for the daemon in the ops tests: a status whose counters grow with wall time (so
// rates are non-zero), with switches for the two unhealthy conditions.
// Thread-safety: the switches are atomics; snapshot() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "ops/daemon_status.hpp"

namespace test_ops {

class FakeDaemon {
public:
    std::atomic<bool> relay_silent{false};   // the relay's last frame is 75 s old
    std::atomic<bool> db_down{false};

    [[nodiscard]] ops::DaemonStatus snapshot() const {
        const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count() + 10.0;
        const auto count = [t](double per_second) { return static_cast<std::uint64_t>(t * per_second); };
        ops::DaemonStatus s;
        s.version = "0.1.0-test";
        s.uptime_s = t;
        s.relays = {
            {"relay.test", ops::SourceKind::relay, !relay_silent, static_cast<std::int64_t>(count(500)),
             relay_silent ? 75.0 : 0.02, 0.35},
            {"labels.test", ops::SourceKind::labeler, true, 42, 300.0, 1.5},
        };
        // The lead's stage and queue names (pipeline/config.hpp), so the screenshot looks like the daemon.
        s.stages = {
            {"firehose_read", "live", 1, count(520), count(520), 0, 0, t * 0.10},
            {"label_read", "live", 1, count(3), count(3), 0, 0, t * 0.01},
            {"decode", "live", 2, count(520), count(2100), 3, 0, t * 0.80},
            {"classify", "live", 4, count(2100), count(2050), 50, 0, t * 0.90},
            {"batch_write", "live", 4, count(11050), count(11050), 0, 1, t * 2.40},
            {"repo_fetch", "backfill", 32, count(40), count(40), 0, 0, t * 24.0},
            {"backfill_decode", "backfill", 2, count(40), count(9000), 0, 0, t * 1.50},
            {"backfill_classify", "backfill", 2, count(9000), count(9000), 0, 0, t * 0.70},
        };
        s.queues = {
            {"frames", "firehose_read", "decode", 12, 4096, 0, 0},
            {"commits", "decode", "classify", 300, 8192, 0, 0},
            {"labels", "label_read", "batch_write", 0, 1024, 0, 0},
            {"rows", "classify", "batch_write", 15100, 16384, 0, 0},
            {"repo_backfill", "", "repo_fetch", 256, 256, 38900000, 3100000000},
            {"repos", "repo_fetch", "backfill_decode", 700, 1024, 0, 0},
            {"firehose_backfill", "backfill_decode", "backfill_classify", 8192, 8192, 2500000, 1400000000},
            {"backfill_rows", "backfill_classify", "batch_write", 4000, 16384, 0, 0},
        };
        s.backfill = {true, {{"pending", 39000000}, {"in_progress", 64}, {"done", 1250000}, {"failed", 812}},
                      1250000 + count(40), 39000064 - count(40), count(9000)};
        s.db = {!db_down, 7, 16, db_down ? "connection refused" : ""};
        return s;
    }

private:
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace test_ops
