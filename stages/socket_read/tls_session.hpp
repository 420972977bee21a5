// TLS for the socket reader's connection, in memory: OpenSSL reads the records the reader received
// and writes records for the reader to send, so the socket itself stays with libwebsockets' RAW
// client (which carries bytes and nothing else). Why not lws's own TLS: libwebsockets 4.1 starts
// TLS on a RAW client before its TCP connection exists, and every such connection fails; its
// WebSocket client, which does TLS right, parses frames one byte at a time (websocket_frames.hpp).
// The peer is verified against the CA file and by host name (or IP address), with SNI.
// Thread-safety: none; one session per connection, used by its service thread. A TlsContext may be
// shared by sessions of one thread.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/result.hpp"

using SSL_CTX = struct ssl_ctx_st;
using SSL = struct ssl_st;

namespace stages::socket_read {

// The client-side settings every session starts from: TLS 1.2 or later, peers verified against
// `ca_file` (PEM bundle; empty = OpenSSL's default paths).
class TlsContext {
public:
    [[nodiscard]] static common::Result<TlsContext> create(const std::string& ca_file);
    [[nodiscard]] SSL_CTX* get() const noexcept { return ctx_.get(); }

private:
    struct Free {
        void operator()(SSL_CTX* ctx) const noexcept;
    };
    explicit TlsContext(SSL_CTX* ctx) : ctx_(ctx) {}
    std::unique_ptr<SSL_CTX, Free> ctx_;
};

class TlsSession {
public:
    // Starts a handshake with `host` (a DNS name or an IP address literal); the ClientHello is then
    // in take_output().
    [[nodiscard]] static common::Result<TlsSession> start(const TlsContext& context, const std::string& host);

    // Records received from the peer; the application data they carry goes to `deliver` piece by
    // piece as it is decrypted (false from it: stop reading, the connection is being dropped). An
    // error (a failed handshake, a certificate that does not verify, a corrupt record, the end of
    // the session) ends the connection; what was decrypted before it has been delivered.
    using Deliver = std::function<bool(std::span<const std::byte>)>;
    [[nodiscard]] common::Result<void> receive(std::span<const std::byte> records, const Deliver& deliver);
    // Application data to send: encrypted once the handshake is done (held until then).
    [[nodiscard]] common::Result<void> send(std::string_view plain);
    // The records to write to the socket now (handshake messages, encrypted data, alerts).
    [[nodiscard]] std::string take_output();
    // The peer ended the session cleanly (close_notify); receive() then reports that as an error.
    [[nodiscard]] bool ended() const noexcept { return ended_; }

private:
    struct Free {
        void operator()(SSL* ssl) const noexcept;
    };
    explicit TlsSession(SSL* ssl) : ssl_(ssl) {}
    [[nodiscard]] common::Result<void> advance();

    static constexpr std::size_t scratch_bytes = 64 * 1024;

    std::unique_ptr<SSL, Free> ssl_;
    std::unique_ptr<std::byte[]> scratch_;  // decrypted data on its way to `deliver`
    bool established_ = false;
    bool ended_ = false;
    std::string held_;  // application data sent before the handshake finished
};

}  // namespace stages::socket_read
