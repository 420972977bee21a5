// A recorded event stream: the frames of a `[u32 little-endian length][frame]…` capture file with
// each frame's seq located once. Immutable after loading; thread-safe to read.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "replay/frame_seq.hpp"

namespace replay {

struct CapturedFrame {
    std::vector<std::byte> bytes;
    std::optional<SeqField> seq;   // nullopt: unreadable frame, still served in file order
};

// Fails on an unreadable file or a truncated record (its offset in the message).
[[nodiscard]] common::Result<std::vector<CapturedFrame>> load_capture(const std::string& path);

// Splits capture bytes already in memory, with the same checks.
[[nodiscard]] common::Result<std::vector<CapturedFrame>> parse_capture(std::span<const std::byte> data);

}  // namespace replay
