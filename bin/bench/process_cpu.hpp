// CPU time the benchmarks report beside wall time: on a shared machine, CPU per event or per
// record is the figure that moves least from run to run.
#pragma once

namespace bin::bench {

// This process, user + system, in seconds.
[[nodiscard]] double process_cpu_seconds();

// Every process named postgres* on this machine, user + system, in seconds: the database's share
// of the work when it runs here, as the benchmarks' throwaway cluster does (background work such
// as autovacuum counts too).
[[nodiscard]] double postgres_cpu_seconds();

}  // namespace bin::bench
