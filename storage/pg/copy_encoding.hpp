// Encoders for the two COPY … FROM STDIN wire formats, appending to a byte
// buffer. Pure functions (no server, no state), safe from any thread.
// PostgreSQL text values cannot hold NUL nor exceed 1 GiB, so the text writers
// refuse such a value: they say why and append nothing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace storage::pg {

enum class TextCheck : std::uint8_t { ok, contains_nul, too_long };

// Whether PostgreSQL can store `value` as text (the writers below check this).
[[nodiscard]] TextCheck check_text_value(std::string_view value) noexcept;

// Text format: escapes backslash, tab, newline and carriage return.
[[nodiscard]] TextCheck append_copy_text_value(std::string& out, std::string_view value);

// Binary format: the file header (signature, flags, extension length) and trailer.
void append_copy_binary_header(std::string& out);
void append_copy_binary_trailer(std::string& out);
// A tuple starts with its field count.
void append_copy_binary_field_count(std::string& out, std::int16_t count);
// Fields: a 4-byte big-endian length (-1 for NULL), then the type's send format.
[[nodiscard]] TextCheck append_copy_binary_text(std::string& out, std::string_view value);
void append_copy_binary_int4(std::string& out, std::int32_t value);
void append_copy_binary_int8(std::string& out, std::int64_t value);
void append_copy_binary_bool(std::string& out, bool value);
void append_copy_binary_null(std::string& out);

}  // namespace storage::pg
