// wintermute: the daemon and its operator commands.
#include "bin/command.hpp"
#include "bin/migrate_command.hpp"
#include "bin/inspect_command.hpp"
#include "bin/config_command.hpp"
#include "bin/run_command.hpp"

#include <unistd.h>

#include <array>
#include <string_view>

namespace {
constexpr std::array commands{
    bin::Command{"migrate", "create or update the database schema (bsky dataplane and wintermute state)",
                 bin::run_migrate},
    bin::Command{"inspect", "inspect car FILE.car | frames FILE: print a repo CAR or a frame capture as JSON lines",
                 bin::inspect_command},
    bin::Command{"run", "run the indexer daemon (--config FILE, --section.key value; env overrides file)",
                 [](std::span<char* const> args) { return bin::run_daemon(args, environ); }},
    bin::Command{"config", "check the configuration; --print-config shows every value and its source",
                 [](std::span<char* const> args) { return bin::run_config(args, environ); }},
};
}  // namespace

int main(int argc, char** argv) {
    const std::span<char* const> args(argv + 1, static_cast<std::size_t>(argc - 1));
    // `wintermute --config FILE --print-config` is the config command without its name.
    if (!args.empty()) {
        const std::string_view first = args[0];
        if (first.starts_with("--config") || first == "--print-config") return bin::run_config(args, environ);
    }
    return bin::dispatch("wintermute", commands, args);
}
