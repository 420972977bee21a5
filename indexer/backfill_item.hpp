// BackfillItem: one staged op of a backfilled repo on its way through firehose_backfill (the fetch
// workers' overflow queue to the BackfillWriter), tagged with the stream (one fetch of one repo)
// it belongs to; BackfillItemCodec: its spill bytes. Thread-safety: value types, pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "stages/classify/staged_op.hpp"

namespace indexer {

struct BackfillItem {
    std::uint64_t stream = 0;  // the fetch that produced it: repo_begin … repo_end of one repo
    stages::classify::StagedOp op;
};

// Version byte, stream, kind, seq, then each string as u32 length + bytes, optionals with a flag
// byte. decode() refuses anything truncated, trailing or of an unknown kind or version.
struct BackfillItemCodec {
    [[nodiscard]] std::vector<std::byte> encode(const BackfillItem& item) const;
    [[nodiscard]] std::optional<BackfillItem> decode(std::span<const std::byte> bytes) const;
};

}  // namespace indexer
