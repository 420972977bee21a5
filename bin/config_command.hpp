// `wintermute config`: loads the configuration (file < env < flags), reports the first bad key,
// and with --print-config prints every effective value and where it came from.
#pragma once

#include <span>

namespace bin {

// `envp` is main's environ: only main reads the process environment.
int run_config(std::span<char* const> args, const char* const* envp);

}  // namespace bin
