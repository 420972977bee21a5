// Reading a subscription request: the shared ops::read_request, plus the relay's cursor argument.
// Thread-safety: read_request only from the server's service thread, inside a callback for `wsi`.
#pragma once

#include <cstdint>
#include <optional>

#include "common/result.hpp"
#include "ops/http_request.hpp"
#include "replay/http_route.hpp"

namespace replay {

using ops::read_request;

// The subscription cursor: nullopt when absent; an error when negative or not a number.
[[nodiscard]] common::Result<std::optional<std::int64_t>> cursor_param(const HttpRequest& request);

}  // namespace replay
