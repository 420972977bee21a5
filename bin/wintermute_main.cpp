// wintermute: the daemon and its operator commands.
#include "bin/command.hpp"
#include "bin/migrate_command.hpp"
#include "bin/inspect_command.hpp"

#include <array>

namespace {
constexpr std::array commands{
    bin::Command{"migrate", "create or update the database schema (bsky dataplane and wintermute state)",
                 bin::run_migrate},
    bin::Command{"inspect", "inspect car FILE.car | frames FILE: print a repo CAR or a frame capture as JSON lines", bin::inspect_command},
};
}  // namespace

int main(int argc, char** argv) {
    return bin::dispatch("wintermute", commands, std::span<char* const>(argv + 1, argc - 1));
}
