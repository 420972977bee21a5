// DecodedFrame: a frame's bytes together with its typed decoding, whose strings and byte ranges
// view those bytes (moving the item keeps them valid: a vector's buffer does not move).
// `frame` is empty when the bytes did not decode; the item still travels on so the writer can
// advance the source's cursor past it. Move-only value item of the `decoded` queue.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "atproto/frame/frame.hpp"

namespace stages::decode {

struct DecodedFrame {
    std::uint32_t source = 0;
    std::uint64_t ordinal = 0;
    std::chrono::steady_clock::time_point received;
    std::vector<std::byte> bytes;
    std::optional<atproto::frame::Frame> frame;

    DecodedFrame() = default;
    DecodedFrame(DecodedFrame&&) noexcept = default;
    DecodedFrame& operator=(DecodedFrame&&) noexcept = default;
    DecodedFrame(const DecodedFrame&) = delete;
    DecodedFrame& operator=(const DecodedFrame&) = delete;

    [[nodiscard]] std::string describe() const {
        return "source " + std::to_string(source) + " frame #" + std::to_string(ordinal);
    }
};

}  // namespace stages::decode
