// Counters of one socket reader. Written by its service thread, read by anyone (relaxed atomics).
#pragma once

#include <atomic>
#include <cstdint>

namespace stages::socket_read {

struct SocketReadMetrics {
    std::atomic<std::uint64_t> frames{0};            // complete messages handed to the sink
    std::atomic<std::uint64_t> bytes{0};             // their total size
    std::atomic<std::uint64_t> oversize_frames{0};   // refused for exceeding max_frame_bytes
    std::atomic<std::uint64_t> protocol_errors{0};   // refused handshakes and broken WebSocket framing
    std::atomic<std::uint64_t> connects{0};          // WebSocket handshakes completed
    std::atomic<std::uint64_t> disconnects{0};       // established connections that ended
    std::atomic<std::uint64_t> reconnect_attempts{0};  // connection attempts after the first
    std::atomic<std::uint64_t> idle_timeouts{0};     // connections closed as dead (no data)
    std::atomic<bool> connected{false};
    std::atomic<std::int64_t> last_frame_unix_ms{0};  // when the last frame was handed on; 0: none yet
};

}  // namespace stages::socket_read
