// wintermute-bench: benchmarks (docs/benchmarks.md). Each prints rates measured side by side in one run.
#include "bin/bench/identity_bench.hpp"
#include "bin/command.hpp"

#include <array>

namespace {
constexpr std::array<bin::Command, 1> benches{{
    {"identity", "atproto syntax validators, did:key parsing, signature verification", bin::bench::identity},
}};
}  // namespace

int main(int argc, char** argv) {
    return bin::dispatch("wintermute-bench", benches, std::span<char* const>(argv + 1, argc - 1));
}
