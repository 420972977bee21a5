#include "bin/command.hpp"

#include <fmt/core.h>

namespace bin {

namespace {
void print_usage(std::string_view program, std::span<const Command> commands) {
    fmt::print(stderr, "usage: {} COMMAND [ARGS…]\n\ncommands:\n", program);
    for (const auto& c : commands) fmt::print(stderr, "  {:<12} {}\n", c.name, c.help);
}
}  // namespace

int dispatch(std::string_view program, std::span<const Command> commands, std::span<char* const> args) {
    if (args.empty() || args[0] == std::string_view("--help") || args[0] == std::string_view("-h")) {
        print_usage(program, commands);
        return args.empty() ? 2 : 0;
    }
    for (const auto& c : commands) {
        if (c.name == args[0]) return c.run(args.subspan(1));
    }
    fmt::print(stderr, "{}: unknown command '{}'\n", program, args[0]);
    print_usage(program, commands);
    return 2;
}

}  // namespace bin
