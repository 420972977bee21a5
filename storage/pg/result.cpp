#include "storage/pg/result.hpp"

#include <charconv>
#include <cstring>

namespace storage::pg {

std::uint64_t Result::affected_rows() const {
    const char* text = PQcmdTuples(result_.get());
    std::uint64_t n = 0;
    std::from_chars(text, text + std::strlen(text), n);
    return n;
}

}  // namespace storage::pg
