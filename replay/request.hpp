// Reading an HTTP or WebSocket-upgrade request out of a libwebsockets connection while its headers
// are still attached (HTTP, FILTER_PROTOCOL_CONNECTION and ESTABLISHED callbacks).
// Thread-safety: call only from the server's service thread, inside a callback for `wsi`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "replay/http_route.hpp"

struct lws;

namespace replay {

// The path (given, or the GET URI) and the url-decoded query arguments.
[[nodiscard]] HttpRequest read_request(lws* wsi, std::optional<std::string> path = std::nullopt);

// The subscription cursor: nullopt when absent; an error when negative or not a number.
[[nodiscard]] common::Result<std::optional<std::int64_t>> cursor_param(const HttpRequest& request);

}  // namespace replay
