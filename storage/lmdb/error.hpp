// LmdbError: the one exception type for LMDB failures, carrying the MDB/errno code and what was being done.
// Thread-safety: a plain value type.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace storage::lmdb {

class LmdbError : public std::runtime_error {
public:
    LmdbError(int code, std::string_view context);
    [[nodiscard]] int code() const noexcept { return code_; }

private:
    int code_;
};

// Throws LmdbError(rc, context) unless rc is MDB_SUCCESS.
void check(int rc, std::string_view context);

}  // namespace storage::lmdb
