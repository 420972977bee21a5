// `wintermute-bench decode`: the atproto decoder against a libcbor (cbor_load) baseline on the
// fixture CARs — repo decode with CID checks off and on, and DAG-CBOR → JSON.
#pragma once

#include <span>

namespace bench {

int decode_bench(std::span<char* const> args);

}  // namespace bench
