// wintermute-bench: benchmarks (docs/benchmarks.md). Each prints rates measured side by side in one run.
#include "bin/bench/benches.hpp"
#include "bin/command.hpp"

#include <array>

namespace {
constexpr std::array benches{
    bin::Command{"pipeline", "items/s through a 4-stage chain of trivial stages", bin::bench::pipeline_bench},
};
}  // namespace

int main(int argc, char** argv) {
    return bin::dispatch("wintermute-bench", benches, std::span<char* const>(argv + 1, argc - 1));
}
