// Entry points of the wintermute-bench benchmarks; bench_main.cpp lists them.
#pragma once

#include <span>

namespace bin::bench {

// Items/s through a 4-stage chain of trivial stages over in-memory queues.
int pipeline_bench(std::span<char* const> args);

// The whole live path into PostgreSQL: events/s, records/s and commit lag, at full speed and paced.
int live_bench(std::span<char* const> args);

// The daemon's backfill path over a synthetic network into PostgreSQL: records/s end to end and per stage, peak RSS.
int backfill_bench(std::span<char* const> args);

// The live path's decode and classify stages on one core, without PostgreSQL: frames/s.
int classify_bench(std::span<char* const> args);

// The batch writer's staging step: COPY against libpq pipeline mode, side by side.
int stage_bench(std::span<char* const> args);

}  // namespace bin::bench
