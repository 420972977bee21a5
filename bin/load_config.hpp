// The configuration as the commands that need one load it: command line, environment, file.
// Prints why it cannot be loaded. Thread-safety: call from main's thread.
#pragma once

#include <optional>
#include <span>

#include "pipeline/config.hpp"

namespace bin {

struct CommandConfig {
    pipeline::CommandLine command_line;
    pipeline::LoadedConfig loaded;
};

// nullopt (after a message on stderr) when the arguments or the configuration are refused.
std::optional<CommandConfig> load_command_config(std::span<char* const> args, const char* const* envp);

}  // namespace bin
