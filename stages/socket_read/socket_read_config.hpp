// Tuning of one socket reader: limits, timeouts, reconnect policy. Plain values with defaults.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace stages::socket_read {

struct SocketReadConfig {
    // Larger messages are refused (counted and skipped); the connection stays up.
    std::size_t max_frame_bytes = 5 * 1024 * 1024;
    // No received data for this long (handshake included) = dead connection: close and reconnect.
    std::chrono::milliseconds idle_timeout{30'000};
    // Reconnect delay before jitter is backoff_initial * 2^attempt, capped at backoff_max.
    std::chrono::milliseconds backoff_initial{500};
    std::chrono::milliseconds backoff_max{60'000};
    // A connection that stayed up this long resets the backoff to backoff_initial.
    std::chrono::milliseconds healthy_after{10'000};
    // PEM bundle that wss relays are verified against; the Debian system store by default.
    // Empty = OpenSSL's default paths (tls_session.hpp).
    std::string ca_file = "/etc/ssl/certs/ca-certificates.crt";
};

}  // namespace stages::socket_read
