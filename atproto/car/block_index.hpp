// CID → block bytes (views into the CAR buffer) for MST walks and record lookups. An
// open-addressing table keyed by the CID digest: one allocation per growth, none per block, and
// none per CAR when the index is reused (read()).
// The first copy of a duplicate block is kept. Thread-safety: const methods may be shared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "atproto/car/car_reader.hpp"
#include "atproto/cid.hpp"
#include "atproto/error.hpp"

namespace atproto::car {

class BlockIndex {
public:
    BlockIndex() = default;

    // Reads every remaining block of `reader` into a new index.
    [[nodiscard]] static Expected<BlockIndex> build(CarReader& reader);
    // Replaces the contents with every remaining block of `reader`. A small table is kept, so an
    // index reused for a stream of small CARs (firehose commits) allocates once, not per CAR.
    Expected<void> read(CarReader& reader);

    void reserve(std::size_t blocks);
    // False when `cid` was already present (the index keeps the first copy).
    bool insert(const Cid& cid, std::span<const std::byte> data);
    [[nodiscard]] std::optional<std::span<const std::byte>> find(const Cid& cid) const noexcept;
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    // Block sections read by build(), duplicates included.
    [[nodiscard]] std::size_t sections() const noexcept { return sections_; }
    void clear() noexcept;

private:
    struct Slot {
        Cid cid;
        std::span<const std::byte> data;
        std::uint32_t generation = 0;  // the slot is used when it is the index's generation
    };
    void grow();

    std::vector<Slot> slots_;
    std::uint32_t generation_ = 1;  // clear() moves to the next
    std::size_t size_ = 0;
    std::size_t sections_ = 0;
};

}  // namespace atproto::car
