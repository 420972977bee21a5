// wintermute-bench: benchmarks (docs/benchmarks.md). Each prints rates measured side by side in one run.
#include "bin/bench/spill_bench.hpp"
#include "bin/command.hpp"

#include <array>

namespace {
constexpr std::array benches{
    bin::Command{"spill", "push+lease+ack items/s through the LMDB spill queue, per durability mode",
                 bench::run_spill},
};
}  // namespace

int main(int argc, char** argv) {
    return bin::dispatch("wintermute-bench", benches, std::span<char* const>(argv + 1, argc - 1));
}
