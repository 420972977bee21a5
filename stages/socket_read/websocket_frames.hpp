// RFC 6455 framing on the client side: WsFrameReader parses the server's frames from a byte stream
// in whatever pieces TCP delivers them, and client_frame writes the client's (masked) frames.
// Why not libwebsockets' own client: Debian's libwebsockets 4.1 runs every received byte through its
// frame state machine (≈ 5 ns a byte, half of the reader thread's CPU on the firehose, whose frames
// are 2-10 KB). The socket reader uses lws for the connection, TLS and the event loop (a RAW client)
// and this for the frames, which moves payload in bulk.
// Thread-safety: none; one reader per connection, used by its service thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace stages::socket_read {

enum class WsOpcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

class WsFrameReader {
public:
    // What the frames carry. payload() gets a data message's bytes in pieces, in order; `final`
    // marks the message's last piece (a message may span frames and reads), and `remaining` is what
    // the current frame still holds after this piece (a size hint). control() gets a whole control
    // frame. Either returns false to stop reading (the rest of the bytes are then not parsed).
    class Handler {
    public:
        virtual bool payload(std::span<const std::byte> piece, bool final, std::size_t remaining) = 0;
        virtual bool control(WsOpcode opcode, std::span<const std::byte> payload) = 0;

    protected:
        ~Handler() = default;
    };

    // Parses `bytes` to the end (or until a handler call returns false). An error is a protocol
    // violation by the server (masked or reserved bits, unknown opcode, broken fragmentation, bad
    // control frame): the connection must be dropped; the reader is then in no defined state.
    [[nodiscard]] common::Result<void> feed(std::span<const std::byte> bytes, Handler& handler);

    // Forgets a half-parsed frame and message (a new connection).
    void reset() noexcept;

private:
    enum class State : std::uint8_t { header, payload };

    [[nodiscard]] common::Result<void> parse_header();

    State state_ = State::header;
    std::uint8_t header_[14]{};
    std::size_t header_have_ = 0;
    WsOpcode opcode_ = WsOpcode::continuation;  // the current frame's
    bool fin_ = false;
    std::uint64_t remaining_ = 0;               // payload bytes of the current frame still to come
    bool in_message_ = false;                   // a fragmented data message has begun
    std::vector<std::byte> control_;            // a control frame's payload so far (≤ 125 bytes)
};

// One complete client frame (FIN set), masked with a fresh random key as RFC 6455 §5.3 requires.
[[nodiscard]] std::string client_frame(WsOpcode opcode, std::span<const std::byte> payload);

}  // namespace stages::socket_read
