#include "storage/pg/copy_in.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <stdexcept>

#include <fmt/core.h>

#include "storage/pg/copy_encoding.hpp"
#include "storage/pg/error.hpp"

namespace storage::pg {

namespace {

std::string_view reason(TextCheck check) {
    return check == TextCheck::contains_nul ? "contains a NUL byte, which PostgreSQL text cannot hold"
                                            : "is longer than PostgreSQL's 1 GiB value limit";
}

template <class Int>
void append_decimal(std::string& out, Int value) {
    char digits[24];
    auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out.append(digits, end);
}

}  // namespace

CopyIn::CopyIn(Connection& conn, std::string_view target, CopyFormat format, std::size_t chunk_bytes)
    : conn_(conn), format_(format), chunk_bytes_(chunk_bytes) {
    const auto sql =
        fmt::format("COPY {} FROM STDIN{}", target, format == CopyFormat::binary ? " (FORMAT binary)" : "");
    Result result(PQexec(conn_.get(), sql.c_str()));
    if (result.get() == nullptr) throw PgError::from_connection(conn_.get(), sql);
    if (result.status() != PGRES_COPY_IN) throw PgError::from_result(result.get(), sql);
    buffer_.reserve(chunk_bytes_ + chunk_bytes_ / 4);
    if (format_ == CopyFormat::binary) append_copy_binary_header(buffer_);
    row_start_ = buffer_.size();
}

CopyIn::~CopyIn() {
    if (finished_) return;
    // Abandoned (exception or early return): make the server fail the COPY, then drain its results
    // so the connection is usable again.
    if (PQputCopyEnd(conn_.get(), "COPY abandoned by wintermute before finish()") == 1) {
        while (PGresult* r = PQgetResult(conn_.get())) PQclear(r);
    }
}

void CopyIn::start_field() {
    if (fields_ == 0) {
        row_start_ = buffer_.size();
        if (format_ == CopyFormat::binary) append_copy_binary_field_count(buffer_, 0);  // patched in end_row
    } else if (format_ == CopyFormat::text) {
        buffer_.push_back('\t');
    }
    ++fields_;
}

void CopyIn::refuse(std::string_view why) {
    if (!refusal_) refusal_ = fmt::format("field {} {}", fields_, why);
}

void CopyIn::text(std::string_view value) {
    start_field();
    auto check = format_ == CopyFormat::text ? append_copy_text_value(buffer_, value)
                                             : append_copy_binary_text(buffer_, value);
    if (check != TextCheck::ok) refuse(reason(check));
}

void CopyIn::int4(std::int32_t value) {
    start_field();
    if (format_ == CopyFormat::text) append_decimal(buffer_, value);
    else append_copy_binary_int4(buffer_, value);
}

void CopyIn::int8(std::int64_t value) {
    start_field();
    if (format_ == CopyFormat::text) append_decimal(buffer_, value);
    else append_copy_binary_int8(buffer_, value);
}

void CopyIn::boolean(bool value) {
    start_field();
    if (format_ == CopyFormat::text) buffer_.push_back(value ? 't' : 'f');
    else append_copy_binary_bool(buffer_, value);
}

void CopyIn::null() {
    start_field();
    if (format_ == CopyFormat::text) buffer_ += "\\N";
    else append_copy_binary_null(buffer_);
}

common::Result<void> CopyIn::end_row() {
    const int fields = fields_;
    fields_ = 0;
    if (refusal_ || fields == 0) {
        buffer_.resize(row_start_);
        auto why = refusal_ ? *refusal_ : std::string("row has no fields");
        refusal_.reset();
        return common::fail(fmt::format("COPY row {} refused: {}", rows_ + 1, why));
    }
    if (format_ == CopyFormat::text) {
        buffer_.push_back('\n');
    } else {
        if (fields > std::numeric_limits<std::int16_t>::max()) throw std::logic_error("COPY row has too many fields");
        buffer_[row_start_] = static_cast<char>((fields >> 8) & 0xff);
        buffer_[row_start_ + 1] = static_cast<char>(fields & 0xff);
    }
    ++rows_;
    if (buffer_.size() >= chunk_bytes_) send_buffer();
    row_start_ = buffer_.size();
    return {};
}

void CopyIn::send_buffer() {
    // PQputCopyData takes an int length; one row of several huge values can exceed it.
    constexpr std::size_t max_piece = std::size_t{1} << 30U;
    for (std::size_t at = 0; at < buffer_.size(); at += max_piece) {
        const auto piece = std::min(max_piece, buffer_.size() - at);
        if (PQputCopyData(conn_.get(), buffer_.data() + at, static_cast<int>(piece)) != 1) {
            throw PgError::from_connection(conn_.get(), "sending COPY data");
        }
    }
    buffer_.clear();
}

std::uint64_t CopyIn::finish() {
    if (fields_ != 0) throw std::logic_error("CopyIn::finish() inside an unfinished row");
    if (format_ == CopyFormat::binary) append_copy_binary_trailer(buffer_);
    send_buffer();
    finished_ = true;
    if (PQputCopyEnd(conn_.get(), nullptr) != 1) throw PgError::from_connection(conn_.get(), "ending COPY");
    Result result(PQgetResult(conn_.get()));
    while (PGresult* extra = PQgetResult(conn_.get())) PQclear(extra);
    if (result.get() == nullptr) throw PgError::from_connection(conn_.get(), "ending COPY");
    if (result.status() != PGRES_COMMAND_OK) throw PgError::from_result(result.get(), "COPY");
    return result.affected_rows();
}

}  // namespace storage::pg
