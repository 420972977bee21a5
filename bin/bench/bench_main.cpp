// wintermute-bench: benchmarks (docs/benchmarks.md). Each prints rates measured side by side in one run.
#include "bin/bench/lexicon_bench.hpp"
#include "bin/command.hpp"

#include <array>

namespace {
constexpr std::array<bin::Command, 1> benches{{
    {"lexicon", "record validations/s on one core (post, image post, like) [iterations]", bin::bench::run_lexicon_bench},
}};
}  // namespace

int main(int argc, char** argv) {
    return bin::dispatch("wintermute-bench", benches, std::span<char* const>(argv + 1, argc - 1));
}
