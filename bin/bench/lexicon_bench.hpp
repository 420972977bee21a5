// `wintermute-bench lexicon`: record validations per second on one core.
#pragma once

#include <span>

namespace bin::bench {

int run_lexicon_bench(std::span<char* const> args);

}  // namespace bin::bench
