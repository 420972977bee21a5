// `wintermute-bench identity`: rates of the atproto syntax validators, datetime
// normalisation, did:key parsing and signature verification (single thread).
#pragma once

#include <span>

namespace bin::bench {

int identity(std::span<char* const> args);

}  // namespace bin::bench
