// `wintermute inspect car FILE.car`: prints a repo CAR as JSON lines (commit, then every record
// in MST order); `wintermute inspect frames FILE`: a firehose capture (inspect_frames.hpp).
// For operators and for checking decoding by eye.
#pragma once

#include <span>

namespace bin {

int inspect_command(std::span<char* const> args);

}  // namespace bin
