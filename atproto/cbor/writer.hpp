// Minimal canonical DAG-CBOR encoder: the caller writes items in order (map keys already in
// canonical order); heads always use the shortest form. Appends to a caller-owned byte vector.
// Used to rebuild the unsigned commit and to build test inputs. Thread-safety: one per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "atproto/cid.hpp"

namespace atproto::cbor {

class Writer {
public:
    explicit Writer(std::vector<std::byte>& out) noexcept : out_(out) {}

    void integer(std::int64_t value);
    void text(std::string_view value);
    void bytes(std::span<const std::byte> value);
    void link(const Cid& cid);
    void boolean(bool value);
    void null();
    void array_head(std::uint64_t count);
    void map_head(std::uint64_t count);
    // Copies already-encoded CBOR through unchanged.
    void raw(std::span<const std::byte> encoded);
    // A head with any major type (0–7) and argument, shortest form.
    void head(unsigned major, std::uint64_t argument);

private:
    std::vector<std::byte>& out_;
};

}  // namespace atproto::cbor
