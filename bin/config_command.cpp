#include "bin/config_command.hpp"

#include <fmt/core.h>

#include "pipeline/config.hpp"

namespace bin {

int run_config(std::span<char* const> args, const char* const* envp) {
    const auto command_line = pipeline::parse_command_line(args);
    if (!command_line) {
        fmt::print(stderr, "wintermute: {}\n", command_line.error().message);
        return 2;
    }
    const auto loaded = pipeline::load_config(*command_line, pipeline::environment_from(envp));
    if (!loaded) {
        fmt::print(stderr, "wintermute: configuration refused: {}\n", loaded.error().message);
        return 2;
    }
    if (command_line->print_config) {
        fmt::print("{}", pipeline::print_config(*loaded));
    } else {
        fmt::print("configuration ok\n");
    }
    return 0;
}

}  // namespace bin
