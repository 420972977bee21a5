// `wintermute-bench spill`: push+lease+ack items/s through a SpillQueue with 200-byte items, one run per durability
// mode side by side. Options: --items N (per mode), --batch N, --seconds S (cap per mode), --dir PATH.
#pragma once

#include <span>

namespace bench {

int run_spill(std::span<char* const> args);

}  // namespace bench
