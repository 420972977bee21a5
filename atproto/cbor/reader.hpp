// Strict, zero-copy DAG-CBOR pull reader (atproto data model profile). The caller walks the
// values item by item; the reader enforces every rule of the profile (see docs/atproto.md) as it
// goes, including map key order, depth and sizes, so any walk that consumes a value validates it.
// No heap allocation. Thread-safety: one reader per thread; the input must outlive the views.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "atproto/cbor/item.hpp"
#include "atproto/error.hpp"

namespace atproto::cbor {

class Reader {
public:
    explicit Reader(std::span<const std::byte> input) noexcept : in_(input) {}

    // Reads the next item head. Strings and links are read whole; after an array or map head the
    // next `count` values (2 × count items for a map: key, value, …) are its children.
    [[nodiscard]] Expected<Item> next() noexcept;
    // Like next(), but fails with unexpected_type unless the item is of `kind`.
    [[nodiscard]] Expected<Item> next(Kind kind) noexcept;
    // Reads (and so validates) one complete value, discarding it.
    [[nodiscard]] Expected<void> skip() noexcept;
    // Called right after a map head (or between its entries) with the entries left: consumes
    // entries up to `key`. True: positioned on that key's value. False: the map is consumed.
    [[nodiscard]] Expected<bool> find_key(std::uint64_t& entries_left, std::string_view key) noexcept;
    // Succeeds when the input has been consumed exactly (no unfinished value, no trailing bytes).
    [[nodiscard]] Expected<void> finish() const noexcept;

    [[nodiscard]] std::size_t offset() const noexcept { return pos_; }
    [[nodiscard]] std::size_t depth() const noexcept { return depth_; }
    [[nodiscard]] std::span<const std::byte> input() const noexcept { return in_; }

private:
    struct Frame {
        std::uint64_t remaining;  // items left (a map counts keys and values)
        const char* last_key;
        std::uint32_t last_key_size;
        bool is_map;
        bool has_key;
    };

    Expected<std::uint64_t> read_argument(std::size_t start, unsigned info) noexcept;
    Expected<void> read_link(Item& item) noexcept;
    Expected<void> check_key(const Item& item) noexcept;
    Expected<void> enter(const Item& item) noexcept;

    std::span<const std::byte> in_;
    std::size_t pos_ = 0;
    std::size_t depth_ = 0;
    std::array<Frame, max_depth> frames_{};
};

// Reads a link that must be an atproto CID (unsupported_cid otherwise).
[[nodiscard]] Expected<Cid> next_cid(Reader& reader) noexcept;
// Same, but null is also accepted (as nullopt).
[[nodiscard]] Expected<std::optional<Cid>> next_optional_cid(Reader& reader) noexcept;

// Validates that `input` is exactly one DAG-CBOR value.
[[nodiscard]] Expected<void> validate(std::span<const std::byte> input) noexcept;

}  // namespace atproto::cbor
