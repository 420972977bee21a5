// Reassembles one WebSocket message from the chunks libwebsockets delivers (protocol fragments and
// buffer-sized pieces alike) and refuses messages over a size limit without buffering them.
// Thread-safety: none; one per connection, used by its service thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace stages::socket_read {

class MessageAssembler {
public:
    enum class Status : std::uint8_t {
        incomplete,   // more chunks to come (or the rest of a refused message is being skipped)
        complete,     // take() returns the message
        refused,      // this chunk took the message over the limit: reported once, the rest is skipped
    };

    explicit MessageAssembler(std::size_t max_bytes) : max_bytes_(max_bytes) {}

    // `final` marks the message's last chunk; `remaining` (bytes still to come in this protocol
    // frame, if known) only sizes the buffer up front.
    [[nodiscard]] Status add(std::span<const std::byte> chunk, bool final, std::size_t remaining = 0);
    [[nodiscard]] std::vector<std::byte> take() noexcept;
    // Forgets a half-received message (the connection dropped).
    void reset() noexcept;

private:
    std::size_t max_bytes_;
    std::vector<std::byte> buffer_;
    bool skipping_ = false;
};

}  // namespace stages::socket_read
