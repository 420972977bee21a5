// One run of the live benchmark: an in-process wintermute-replay serving a capture repeated with
// retagged DIDs and rewritten seqs, and a LiveIndexer (the daemon's whole live path) writing it
// into PostgreSQL, until the last seq is committed. Single-threaded use; blocks for the run.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "common/result.hpp"
#include "replay/capture.hpp"

namespace bin::bench {

struct LivePhaseSpec {
    std::string database_url;
    std::string capture_dir;             // firehose.frames, plc/, meta.json
    std::uint32_t copies = 1;            // repetitions of the capture
    std::uint32_t first_tag = 0;         // DID tag of the first copy (replay/did_retag.hpp)
    std::optional<double> rate;          // events/s; nullopt = full speed
    std::optional<std::uint64_t> idle_linger_ms;  // the writer's stages.batch_write.idle_linger_ms; default
    std::optional<std::uint64_t> writer_lanes;    // its stages.batch_write.threads; default
    std::optional<std::uint64_t> writer_batch;    // its stages.batch_write.batch_size (events); default
};

struct LivePhaseResult {
    std::uint64_t events = 0;            // committed
    std::uint64_t records = 0;           // create/update/delete ops staged
    double seconds = 0;                  // first frame sent → last seq committed
    double cpu_seconds = 0;              // this process (relay included) over those seconds
    double postgres_cpu_seconds = 0;     // every local postgres process over those seconds
    std::vector<double> lag_ms;          // per committed event, sorted
    std::uint64_t batches = 0, ops = 0, stale = 0, poison = 0, retries = 0;
    std::uint64_t lane_ops = 0, lane_give_ways = 0;  // ops committed on the writer's lanes (not in `ops`)
    double commit_seconds = 0;           // writer time inside BatchApplier::apply (stage, apply, commit)
    double decode_busy = 0, classify_busy = 0;  // busy thread-seconds (wall clock) per stage
    std::uint64_t plc_requests = 0, plc_not_found = 0;  // identity lookups the stream caused
};

[[nodiscard]] common::Result<LivePhaseResult> run_live_phase(const LivePhaseSpec& spec,
                                                             const std::vector<replay::CapturedFrame>& frames,
                                                             const common::Log& log);

}  // namespace bin::bench
