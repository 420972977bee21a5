#include "storage/pg/copy_encoding.hpp"

#include <array>

namespace storage::pg {

namespace {

template <class T>
void append_big_endian(std::string& out, T value) {
    using U = std::make_unsigned_t<T>;
    auto bits = static_cast<U>(value);
    std::array<char, sizeof(T)> bytes{};
    for (std::size_t i = 0; i < sizeof(T); ++i) {
        bytes[sizeof(T) - 1 - i] = static_cast<char>(bits & 0xffU);
        bits = static_cast<U>(bits >> 8U);
    }
    out.append(bytes.data(), bytes.size());
}

// The escape letter for a byte that COPY text format must escape, or 0.
constexpr char escape_for(char c) {
    switch (c) {
        case '\\': return '\\';
        case '\t': return 't';
        case '\n': return 'n';
        case '\r': return 'r';
        default: return 0;
    }
}

// PostgreSQL's limit for one field value (MaxAllocSize - 1).
constexpr std::size_t max_value_bytes = (std::size_t{1} << 30U) - 1;

}  // namespace

TextCheck check_text_value(std::string_view value) noexcept {
    if (value.size() > max_value_bytes) return TextCheck::too_long;
    if (value.find('\0') != std::string_view::npos) return TextCheck::contains_nul;
    return TextCheck::ok;
}

TextCheck append_copy_text_value(std::string& out, std::string_view value) {
    if (auto check = check_text_value(value); check != TextCheck::ok) return check;
    out.reserve(out.size() + value.size());
    std::size_t run = 0;  // start of the pending run of bytes that need no escape
    for (std::size_t i = 0; i < value.size(); ++i) {
        const char letter = escape_for(value[i]);
        if (letter == 0) continue;
        out.append(value.data() + run, i - run);
        out.push_back('\\');
        out.push_back(letter);
        run = i + 1;
    }
    out.append(value.data() + run, value.size() - run);
    return TextCheck::ok;
}

void append_copy_binary_header(std::string& out) {
    static constexpr std::string_view signature{"PGCOPY\n\377\r\n\0", 11};
    out.append(signature);
    append_big_endian<std::int32_t>(out, 0);  // flags: no OIDs
    append_big_endian<std::int32_t>(out, 0);  // header extension length
}

void append_copy_binary_trailer(std::string& out) { append_big_endian<std::int16_t>(out, -1); }

void append_copy_binary_field_count(std::string& out, std::int16_t count) { append_big_endian(out, count); }

TextCheck append_copy_binary_text(std::string& out, std::string_view value) {
    if (auto check = check_text_value(value); check != TextCheck::ok) return check;
    append_big_endian(out, static_cast<std::int32_t>(value.size()));
    out.append(value);
    return TextCheck::ok;
}

void append_copy_binary_int4(std::string& out, std::int32_t value) {
    append_big_endian<std::int32_t>(out, 4);
    append_big_endian(out, value);
}

void append_copy_binary_int8(std::string& out, std::int64_t value) {
    append_big_endian<std::int32_t>(out, 8);
    append_big_endian(out, value);
}

void append_copy_binary_bool(std::string& out, bool value) {
    append_big_endian<std::int32_t>(out, 1);
    out.push_back(value ? '\1' : '\0');
}

void append_copy_binary_null(std::string& out) { append_big_endian<std::int32_t>(out, -1); }

}  // namespace storage::pg
