// The one field of a firehose frame the replay server needs: `seq` in the body map. A minimal
// DAG-CBOR walker (header item skipped, body map scanned for the "seq" key) and a splice that
// re-encodes that integer. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace replay {

struct SeqField {
    std::size_t offset = 0;   // where the encoded integer starts in the frame
    std::size_t length = 0;   // its encoded length (1, 2, 3, 5 or 9 bytes)
    std::uint64_t value = 0;
};

// nullopt unless the frame is a header item followed by a body map whose "seq" is an unsigned
// integer. Never reads out of bounds; indefinite lengths and nesting over 64 levels give nullopt.
[[nodiscard]] std::optional<SeqField> find_seq(std::span<const std::byte> frame);

// Appends `frame` to `out` with the integer at `field` replaced by `seq` in its shortest encoding.
// Nothing else encodes a length that spans the integer (the map counts entries, not bytes), so the
// result is a valid frame even when the integer's encoded length changes.
void append_with_seq(std::span<const std::byte> frame, const SeqField& field, std::uint64_t seq,
                     std::vector<std::byte>& out);

}  // namespace replay
