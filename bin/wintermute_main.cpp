// wintermute: the daemon and its operator commands.
#include "bin/command.hpp"

#include <array>

namespace {
constexpr std::array<bin::Command, 0> commands{};
}  // namespace

int main(int argc, char** argv) {
    return bin::dispatch("wintermute", commands, std::span<char* const>(argv + 1, argc - 1));
}
