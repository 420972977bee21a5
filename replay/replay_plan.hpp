// What one subscription endpoint serves: a capture, optionally repeated K times with seq numbers
// rewritten so they keep increasing, and the cursor rules a relay applies. Immutable; shared by
// every connection of the server. Thread-safe (const).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "replay/capture.hpp"

namespace replay {

// Rewrites the bytes of a frame of copy `copy` in place, after its seq was set; it must keep the
// frame's length (nothing re-frames it). Called on the server's thread; must not block.
using CopyRewrite = std::function<void(std::uint32_t copy, std::span<std::byte> frame)>;

class ReplayPlan {
public:
    // Copy k (0-based) of frame f carries seq(f) + seq_offset + k * span, where span covers the
    // capture's seq range, so copies never overlap. repeat = 1 and seq_offset = 0 serve the bytes
    // unchanged. Frames without a readable seq are served as they are in every copy (then rewritten).
    ReplayPlan(std::vector<CapturedFrame> frames, std::uint32_t repeat = 1, std::uint64_t seq_offset = 0,
               CopyRewrite rewrite = {});

    [[nodiscard]] std::size_t size() const noexcept { return frames_.size() * repeat_; }
    [[nodiscard]] std::optional<std::uint64_t> seq(std::size_t index) const;
    // Appends frame `index` (of size()) to `out`, seq rewritten.
    void append_frame(std::size_t index, std::vector<std::byte>& out) const;

    // Where a subscription starts: 0 without a cursor (the captures were recorded from cursor=0,
    // so "live" replays everything); otherwise just after the last frame whose seq <= cursor.
    [[nodiscard]] std::size_t start_index(std::optional<std::int64_t> cursor) const;
    // Whether a frame at or after start_index is sent: every frame except one whose seq <= cursor.
    [[nodiscard]] bool serves(std::size_t index, std::optional<std::int64_t> cursor) const;
    // A cursor beyond the last seq: a relay answers FutureCursor and closes.
    [[nodiscard]] bool is_future(std::optional<std::int64_t> cursor) const;

private:
    std::vector<CapturedFrame> frames_;
    std::uint32_t repeat_;
    std::uint64_t seq_offset_;
    CopyRewrite rewrite_;
    std::uint64_t span_ = 0;
    std::optional<std::uint64_t> max_seq_;
};

}  // namespace replay
