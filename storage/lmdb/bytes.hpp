// Byte views handed to and returned by the LMDB wrappers. Views returned from a transaction point into the
// memory map and stay valid only until that transaction ends. Thread-safety: plain functions.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include <lmdb.h>

namespace storage::lmdb {

using Bytes = std::span<const std::byte>;

inline Bytes as_bytes(std::string_view text) noexcept {
    return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

inline std::string_view as_text(Bytes bytes) noexcept {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// LMDB's MDB_val has a non-const pointer although it never writes through it for keys and put data.
inline MDB_val to_val(Bytes bytes) noexcept {
    return MDB_val{bytes.size(), const_cast<std::byte*>(bytes.data())};
}

inline Bytes from_val(const MDB_val& val) noexcept {
    return {static_cast<const std::byte*>(val.mv_data), val.mv_size};
}

}  // namespace storage::lmdb
