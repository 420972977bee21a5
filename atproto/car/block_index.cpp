#include "atproto/car/block_index.hpp"

#include <bit>

namespace atproto::car {

namespace {
constexpr std::size_t min_slots = 16;
// Estimates the block count from the buffer so most CARs need no rehash: repo blocks average
// a few hundred bytes.
constexpr std::size_t bytes_per_block_estimate = 192;
// read() keeps a table up to this size (≈ 230 KB): clearing costs nothing (generations), and a
// firehose commit's CAR, MST path included, asks for 32–256 slots by the estimate above.
constexpr std::size_t max_kept_slots = 4096;
}  // namespace

Expected<BlockIndex> BlockIndex::build(CarReader& reader) {
    BlockIndex index;
    if (auto read = index.read(reader); !read) return tl::unexpected(read.error());
    return index;
}

Expected<void> BlockIndex::read(CarReader& reader) {
    if (slots_.size() > max_kept_slots) slots_ = {};  // a whole repo's table is not held on to
    clear();
    reserve(reader.remaining_bytes() / bytes_per_block_estimate);
    Block block;
    for (;;) {
        auto more = reader.next(block);
        if (!more) return tl::unexpected(more.error());
        if (!*more) return {};
        ++sections_;
        insert(block.cid, block.data);
    }
}

void BlockIndex::reserve(std::size_t blocks) {
    const std::size_t wanted = std::bit_ceil(std::max(min_slots, blocks * 2));
    if (wanted <= slots_.size()) return;
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(wanted, Slot{});
    size_ = 0;
    for (const Slot& s : old) {
        if (s.generation == generation_) insert(s.cid, s.data);
    }
}

void BlockIndex::grow() { reserve(slots_.size()); }

bool BlockIndex::insert(const Cid& cid, std::span<const std::byte> data) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = cid.hash() & mask;; i = (i + 1) & mask) {
        Slot& s = slots_[i];
        if (s.generation != generation_) {
            s = Slot{cid, data, generation_};
            ++size_;
            return true;
        }
        if (s.cid == cid) return false;
    }
}

std::optional<std::span<const std::byte>> BlockIndex::find(const Cid& cid) const noexcept {
    if (slots_.empty()) return std::nullopt;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = cid.hash() & mask;; i = (i + 1) & mask) {
        const Slot& s = slots_[i];
        if (s.generation != generation_) return std::nullopt;
        if (s.cid == cid) return s.data;
    }
}

void BlockIndex::clear() noexcept {
    // A new generation frees every slot at once; only when the counter wraps are they rewritten.
    if (++generation_ == 0) {
        for (Slot& s : slots_) s.generation = 0;
        generation_ = 1;
    }
    size_ = 0;
    sections_ = 0;
}

}  // namespace atproto::car
