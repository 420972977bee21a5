// wintermute-bench: benchmarks (docs/benchmarks.md). Each prints rates measured side by side in one run.
#include "bin/command.hpp"

#include <array>

namespace {
constexpr std::array<bin::Command, 0> benches{};
}  // namespace

int main(int argc, char** argv) {
    return bin::dispatch("wintermute-bench", benches, std::span<char* const>(argv + 1, argc - 1));
}
