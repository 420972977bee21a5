// FIREHOSE_INITIAL_CURSOR: where a stream starts when sub_state has no saved cursor. Pure function.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/result.hpp"

namespace stages::socket_read {

// "live" → nullopt (no cursor parameter: live tail only), "oldest" → 0 (the relay's oldest retained
// event), a non-negative integer → that seq. Anything else is an error.
[[nodiscard]] common::Result<std::optional<std::int64_t>> parse_initial_cursor(std::string_view text);

}  // namespace stages::socket_read
