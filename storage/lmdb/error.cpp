#include "storage/lmdb/error.hpp"

#include <fmt/core.h>
#include <lmdb.h>

namespace storage::lmdb {

LmdbError::LmdbError(int code, std::string_view context)
    : std::runtime_error(fmt::format("lmdb: {}: {}", context, mdb_strerror(code))), code_(code) {}

void check(int rc, std::string_view context) {
    if (rc != MDB_SUCCESS) throw LmdbError(rc, context);
}

}  // namespace storage::lmdb
