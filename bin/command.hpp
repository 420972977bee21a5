// A subcommand of a wintermute binary: name, one-line help, entry point.
// Each command lives in its own file; the binary's main lists them.
#pragma once

#include <span>
#include <string_view>

namespace bin {

struct Command {
    std::string_view name;
    std::string_view help;
    // Receives the arguments after the command name; returns the exit status.
    int (*run)(std::span<char* const> args);
};

// Finds `args[0]` in `commands` and runs it; prints usage for no/unknown command or --help.
int dispatch(std::string_view program, std::span<const Command> commands, std::span<char* const> args);

}  // namespace bin
