// CopyIn: one `COPY target FROM STDIN` in text or binary format. Rows are built
// field by field into a buffer that is sent in chunks of about `chunk_bytes`.
// A value PostgreSQL cannot store (NUL byte, > 1 GiB) is refused as a value:
// end_row() drops that row and says which field and why. The destructor cancels
// a copy that finish() did not end. Not thread-safe; borrows the Connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "storage/pg/connection.hpp"

namespace storage::pg {

enum class CopyFormat : std::uint8_t { text, binary };

class CopyIn {
public:
    // `target` is what follows COPY, e.g. `bsky.post (uri, cid)`. Throws PgError.
    CopyIn(Connection& conn, std::string_view target, CopyFormat format, std::size_t chunk_bytes = 1U << 20U);
    ~CopyIn();
    CopyIn(const CopyIn&) = delete;
    CopyIn& operator=(const CopyIn&) = delete;

    // Field writers, in column order. In binary format each must match the column's type
    // exactly (text for text/varchar, int4, int8, bool).
    void text(std::string_view value);
    void int4(std::int32_t value);
    void int8(std::int64_t value);
    void boolean(bool value);
    void null();

    // Ends the row. Error (row dropped) if a field was refused or the row is empty.
    // May send a chunk: throws PgError if the connection fails.
    [[nodiscard]] common::Result<void> end_row();
    // Sends the rest and ends the copy; returns the rows the server stored. Throws PgError
    // with the server's SQLSTATE when the copy fails (constraint, type, encoding…).
    std::uint64_t finish();

    // Rows ended so far (buffered or sent), refused rows not counted.
    [[nodiscard]] std::uint64_t rows() const noexcept { return rows_; }

private:
    void start_field();
    void refuse(std::string_view why);
    void send_buffer();

    Connection& conn_;
    CopyFormat format_;
    std::size_t chunk_bytes_;
    std::string buffer_;
    std::size_t row_start_ = 0;
    int fields_ = 0;
    std::optional<std::string> refusal_;
    std::uint64_t rows_ = 0;
    bool finished_ = false;
};

}  // namespace storage::pg
