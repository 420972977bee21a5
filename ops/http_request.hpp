// Reading an HTTP or WebSocket-upgrade request out of a libwebsockets connection while its headers
// are still attached (HTTP, FILTER_PROTOCOL_CONNECTION and ESTABLISHED callbacks).
// Thread-safety: call only from the server's service thread, inside a callback for `wsi`.
#pragma once

#include <optional>
#include <string>

#include "ops/http_route.hpp"

struct lws;

namespace ops {

// The path (given, or the GET URI) and the url-decoded query arguments.
[[nodiscard]] HttpRequest read_request(lws* wsi, std::optional<std::string> path = std::nullopt);

// Whether the request is a GET (lws fills the GET URI header only for GET).
[[nodiscard]] bool is_get(lws* wsi);

// Whether the request carries a body (POST, PUT, PATCH): lws reads it before the response.
[[nodiscard]] bool has_body(lws* wsi);

}  // namespace ops
