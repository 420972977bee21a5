// The client's side of the WebSocket opening handshake (RFC 6455 §4.1): the upgrade request, and
// the server's answer read from the byte stream and checked (status 101, Upgrade, Connection and
// Sec-WebSocket-Accept for this request's key; no extension, since none was offered).
// Thread-safety: none; one per connection attempt.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace stages::socket_read {

class WsHandshake {
public:
    // `host_header` is the Host header's value (host, or host:port when not the scheme's default).
    WsHandshake(std::string_view host_header, std::string_view path_and_query);

    [[nodiscard]] const std::string& request() const noexcept { return request_; }

    enum class Status : std::uint8_t { incomplete, accepted, rejected };
    struct Answer {
        Status status = Status::incomplete;
        std::size_t consumed = 0;  // bytes of this piece that were the response; the rest are frames
        std::string error;         // why a response was rejected
    };
    // Reads the next piece of the server's response.
    [[nodiscard]] Answer feed(std::span<const std::byte> bytes);

    // The Sec-WebSocket-Accept a server must answer to `key` (exposed for the tests).
    [[nodiscard]] static std::string accept_for(std::string_view key);

private:
    [[nodiscard]] Answer check(std::size_t consumed) const;

    std::string key_;
    std::string request_;
    std::string response_;  // the response's head so far
};

}  // namespace stages::socket_read
