// CAR v1 reader over a byte buffer: the header (version 1, roots) on open, then one block section
// at a time as (CID, view of the bytes). Each block's sha256 is checked against its CID unless
// the caller turns that off for a trusted path. Thread-safety: one reader per thread.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "atproto/cid.hpp"
#include "atproto/error.hpp"

namespace atproto::car {

struct Options {
    bool verify_hashes = true;
};

struct Block {
    Cid cid;
    std::span<const std::byte> data;  // view into the CAR buffer
    std::size_t offset = 0;           // of the section's length varint
};

class CarReader {
public:
    // Parses the header. Errors carry the byte offset in `car`.
    [[nodiscard]] static Expected<CarReader> open(std::span<const std::byte> car, Options options = {});

    [[nodiscard]] const std::vector<Cid>& roots() const noexcept { return roots_; }
    // The next block section; false at the clean end of the buffer. Duplicate blocks are returned
    // as they appear.
    [[nodiscard]] Expected<bool> next(Block& out);
    [[nodiscard]] std::size_t offset() const noexcept { return pos_; }
    [[nodiscard]] std::size_t remaining_bytes() const noexcept { return car_.size() - pos_; }

private:
    CarReader(std::span<const std::byte> car, Options options) : car_(car), options_(options) {}
    Expected<void> read_header();

    std::span<const std::byte> car_;
    Options options_;
    std::size_t pos_ = 0;
    std::vector<Cid> roots_;
};

}  // namespace atproto::car
