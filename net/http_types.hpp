// Value types of the HTTP client: one GET request, its response, and the failure kinds callers act on
// (refused address, body too large, timeout … are distinct so that retry policies can differ).
// Thread-safety: plain values.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace net {

struct HttpRequest {
    std::string url{};                                 // http:// or https:// only
    std::optional<std::string> host_header{};          // sent as `Host:`; the connection still goes to url's host
    std::vector<std::string> headers{};                // extra "Name: value" lines
    std::chrono::milliseconds timeout{10'000};         // the whole transfer, counted from its start (not while queued)
    std::size_t max_body_bytes = std::size_t{1} << 20; // larger bodies abort the transfer: body_too_large
    std::chrono::steady_clock::time_point not_before{};// do not start earlier (rate limits); default: at once
};

struct HttpResponse {
    long status = 0;
    std::string body;
    std::string content_type;
    std::optional<std::chrono::seconds> retry_after;   // from Retry-After (seconds or HTTP date) on 429 / 503
    std::string remote_ip;
};

enum class HttpErrorKind : std::uint8_t {
    refused_address,   // resolved to a private/loopback/link-local address and allow_private_addresses is off
    body_too_large,
    timeout,
    resolve_failed,
    connect_failed,
    tls_failed,
    transport,         // any other libcurl failure (reset connection, malformed response …)
    bad_url,
    shutdown,          // the client stopped before the transfer finished
};

struct HttpError {
    HttpErrorKind kind = HttpErrorKind::transport;
    std::string message;
};

using HttpResult = tl::expected<HttpResponse, HttpError>;

[[nodiscard]] std::string_view to_string(HttpErrorKind kind) noexcept;

}  // namespace net
