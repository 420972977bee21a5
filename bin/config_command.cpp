#include "bin/config_command.hpp"

#include <fmt/core.h>

#include "bin/load_config.hpp"

namespace bin {

int run_config(std::span<char* const> args, const char* const* envp) {
    const auto config = load_command_config(args, envp);
    if (!config) return 2;
    if (config->command_line.print_config) {
        fmt::print("{}", pipeline::print_config(config->loaded));
    } else {
        fmt::print("configuration ok\n");
    }
    return 0;
}

}  // namespace bin
