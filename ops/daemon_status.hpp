// A snapshot of the running daemon, as the operator sees it: what the daemon fills for /_health,
// /api/status and the dashboard. Counters are cumulative since start; ops derives rates from two
// snapshots (status_rates.hpp). Plain values: copy freely, no thread-safety concerns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ops {

enum class SourceKind : std::uint8_t { relay, labeler };

struct RelayStatus {
    std::string host;
    SourceKind kind = SourceKind::relay;
    bool connected = false;
    std::optional<std::int64_t> cursor;            // last committed seq; nullopt before the first
    std::optional<double> last_frame_age_s;        // since the last frame arrived; nullopt: none yet
    std::optional<double> lag_s;                   // event time → committed, for the last commit
};

struct StageStatus {
    std::string name;                 // socket_read, decode, classify, batch_write, backfill_*, …
    std::string lane = "live";        // live | backfill: which row of the dashboard graph
    std::uint32_t threads = 0;
    std::uint64_t items_in = 0;
    std::uint64_t items_out = 0;
    std::uint64_t rejected = 0;
    std::uint64_t errors = 0;
    double busy_seconds = 0;          // summed over the stage's threads
};

struct QueueStatus {
    std::string name;
    std::string from;                 // the stage that pushes, "" for an external source
    std::string to;                   // the stage that pops
    std::uint64_t depth = 0;
    std::uint64_t capacity = 0;
    std::uint64_t spilled_items = 0;  // of a queue that overflows to LMDB; 0 otherwise
    std::uint64_t spilled_bytes = 0;
};

struct BackfillStateCount {
    std::string state;                // e.g. pending, in_progress, done, failed
    std::uint64_t repos = 0;
};

struct BackfillStatus {
    bool enabled = false;
    std::vector<BackfillStateCount> repos_by_state;
    std::uint64_t repos_done = 0;         // cumulative: repos finished (for the ETA)
    std::uint64_t repos_remaining = 0;    // repos still to do
    std::uint64_t records_extracted = 0;  // cumulative
};

struct DatabaseStatus {
    bool reachable = true;
    std::uint32_t pool_in_use = 0;
    std::uint32_t pool_size = 0;
    std::string error;                    // why unreachable, for the operator
};

struct LogLine {
    double unix_time = 0;
    std::string level;                    // warning | error | critical
    std::string component;
    std::string message;
    std::uint32_t repeats = 1;            // identical consecutive lines are folded into one
};

struct DaemonStatus {
    std::string version;
    double uptime_s = 0;
    std::vector<RelayStatus> relays;
    std::vector<StageStatus> stages;
    std::vector<QueueStatus> queues;
    BackfillStatus backfill;
    DatabaseStatus db;
    std::vector<LogLine> recent_errors;   // newest last; the ops server fills it from its sink
};

[[nodiscard]] const char* to_string(SourceKind kind) noexcept;

}  // namespace ops
