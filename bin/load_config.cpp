#include "bin/load_config.hpp"

#include <fmt/core.h>

namespace bin {

std::optional<CommandConfig> load_command_config(std::span<char* const> args, const char* const* envp) {
    auto command_line = pipeline::parse_command_line(args);
    if (!command_line) {
        fmt::print(stderr, "wintermute: {}\n", command_line.error().message);
        return std::nullopt;
    }
    auto loaded = pipeline::load_config(*command_line, pipeline::environment_from(envp));
    if (!loaded) {
        fmt::print(stderr, "wintermute: configuration refused: {}\n", loaded.error().message);
        return std::nullopt;
    }
    return CommandConfig{std::move(*command_line), std::move(*loaded)};
}

}  // namespace bin
