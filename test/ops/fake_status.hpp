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
        s.stages = {
            {"socket_read", "live", 1, count(520), count(520), 0, 0, t * 0.10},
            {"decode", "live", 4, count(520), count(2100), 3, 0, t * 1.60},
            {"classify", "live", 4, count(2100), count(2050), 50, 0, t * 0.90},
            {"batch_write", "live", 2, count(2050), count(2050), 0, 1, t * 1.20},
            {"fetch", "backfill", 8, count(40), count(40), 0, 0, t * 6.00},
            {"backfill_decode", "backfill", 2, count(40), count(9000), 0, 0, t * 1.50},
        };
        s.queues = {
            {"frames", "socket_read", "decode", 12, 1024, 0, 0},
            {"commits", "decode", "classify", 300, 4096, 0, 0},
            {"rows", "classify", "batch_write", 3900, 4096, 0, 0},
            {"repos", "", "fetch", 5000, 5000, 120000, 9600000},
            {"firehose_backfill", "backfill_decode", "classify", 65536, 65536, 2500000, 1400000000},
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
