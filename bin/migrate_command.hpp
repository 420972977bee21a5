// `wintermute migrate`: applies the embedded schema migrations to a database.
#pragma once

#include <span>

namespace bin {

// Returns 0 on success, 1 when the database refuses or fails, 2 on bad arguments.
int run_migrate(std::span<char* const> args);

}  // namespace bin
