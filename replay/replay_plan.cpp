#include "replay/replay_plan.hpp"

#include <algorithm>

namespace replay {

ReplayPlan::ReplayPlan(std::vector<CapturedFrame> frames, std::uint32_t repeat, std::uint64_t seq_offset,
                       CopyRewrite rewrite)
    : frames_(std::move(frames)), repeat_(std::max<std::uint32_t>(repeat, 1)), seq_offset_(seq_offset),
      rewrite_(std::move(rewrite)) {
    std::optional<std::uint64_t> low;
    std::optional<std::uint64_t> high;
    for (const auto& frame : frames_) {
        if (!frame.seq) continue;
        low = std::min(low.value_or(frame.seq->value), frame.seq->value);
        high = std::max(high.value_or(frame.seq->value), frame.seq->value);
    }
    if (high) {
        span_ = *high - *low + 1;
        max_seq_ = *high + seq_offset_ + (repeat_ - 1) * span_;
    }
}

std::optional<std::uint64_t> ReplayPlan::seq(std::size_t index) const {
    const auto& frame = frames_[index % frames_.size()];
    if (!frame.seq) return std::nullopt;
    return frame.seq->value + seq_offset_ + (index / frames_.size()) * span_;
}

void ReplayPlan::append_frame(std::size_t index, std::vector<std::byte>& out) const {
    const auto& frame = frames_[index % frames_.size()];
    const auto rewritten = seq(index);
    const std::size_t start = out.size();
    if (!rewritten || *rewritten == frame.seq->value) {
        out.insert(out.end(), frame.bytes.begin(), frame.bytes.end());
    } else {
        append_with_seq(frame.bytes, *frame.seq, *rewritten, out);
    }
    if (rewrite_) {
        const auto copy = static_cast<std::uint32_t>(index / frames_.size());
        rewrite_(copy, std::span<std::byte>(out).subspan(start));
    }
}

std::size_t ReplayPlan::start_index(std::optional<std::int64_t> cursor) const {
    if (!cursor) return 0;
    for (std::size_t i = size(); i > 0; --i) {
        const auto s = seq(i - 1);
        if (s && *s <= static_cast<std::uint64_t>(*cursor)) return i;
    }
    return 0;
}

bool ReplayPlan::serves(std::size_t index, std::optional<std::int64_t> cursor) const {
    const auto s = seq(index);
    return !cursor || !s || *s > static_cast<std::uint64_t>(*cursor);
}

bool ReplayPlan::is_future(std::optional<std::int64_t> cursor) const {
    return cursor && max_seq_ && static_cast<std::uint64_t>(*cursor) > *max_seq_;
}

}  // namespace replay
