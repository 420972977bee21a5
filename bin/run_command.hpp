// `wintermute run`: the daemon. Loads the configuration, starts the live indexer, and stops it
// gracefully on the first SIGINT/SIGTERM and hard on the second.
#pragma once

#include <span>

namespace bin {

int run_daemon(std::span<char* const> args, const char* const* envp);

}  // namespace bin
