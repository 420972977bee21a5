// RawFrame: one complete WebSocket binary message as read from a relay or labeler, owning its bytes.
// A move-only value item for the `frames` queue; no sharing, so no thread-safety concerns.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "stages/socket_read/relay_endpoint.hpp"

namespace stages::socket_read {

struct RawFrame {
    std::string host;    // the endpoint's authority (host[:port] as configured): which cursor it advances
    Stream stream = Stream::repos;
    std::vector<std::byte> bytes;   // header + body DAG-CBOR, exactly as received
    std::chrono::steady_clock::time_point received;   // when the last fragment arrived

    RawFrame() = default;
    RawFrame(RawFrame&&) noexcept = default;
    RawFrame& operator=(RawFrame&&) noexcept = default;
    RawFrame(const RawFrame&) = delete;
    RawFrame& operator=(const RawFrame&) = delete;
};

}  // namespace stages::socket_read
