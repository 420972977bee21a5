#include <catch2/catch.hpp>

#include <sys/mman.h>

#include <string>

#include "storage/pg/copy_encoding.hpp"

using storage::pg::TextCheck;

namespace {
std::string text_escaped(std::string_view value) {
    std::string out;
    REQUIRE(storage::pg::append_copy_text_value(out, value) == TextCheck::ok);
    return out;
}
}  // namespace

TEST_CASE("COPY text escaping leaves ordinary text and unicode as it is", "[pg][copy_encoding]") {
    CHECK(text_escaped("") == "");
    CHECK(text_escaped("hello world") == "hello world");
    CHECK(text_escaped("héllo ✓ 🦋") == "héllo ✓ 🦋");
    CHECK(text_escaped("\\N") == "\\\\N");
}

TEST_CASE("COPY text escaping escapes backslash, tab, newline and carriage return", "[pg][copy_encoding]") {
    CHECK(text_escaped("a\\b") == "a\\\\b");
    CHECK(text_escaped("a\tb") == "a\\tb");
    CHECK(text_escaped("a\nb") == "a\\nb");
    CHECK(text_escaped("a\rb") == "a\\rb");
    CHECK(text_escaped("\\\t\n\r") == "\\\\\\t\\n\\r");
    CHECK(text_escaped("\\.") == "\\\\.");
}

TEST_CASE("COPY text escaping refuses a NUL byte and appends nothing", "[pg][copy_encoding]") {
    std::string out = "before";
    CHECK(storage::pg::append_copy_text_value(out, std::string_view("a\0b", 3)) == TextCheck::contains_nul);
    CHECK(out == "before");
    CHECK(storage::pg::append_copy_binary_text(out, std::string_view("\0", 1)) == TextCheck::contains_nul);
    CHECK(out == "before");
}

TEST_CASE("COPY binary header, trailer and fields follow the documented layout", "[pg][copy_encoding]") {
    std::string out;
    storage::pg::append_copy_binary_header(out);
    CHECK(out == std::string("PGCOPY\n\xff\r\n\0" "\0\0\0\0" "\0\0\0\0", 19));
    out.clear();
    storage::pg::append_copy_binary_field_count(out, 3);
    storage::pg::append_copy_binary_int4(out, -2);
    storage::pg::append_copy_binary_int8(out, 0x0102030405060708);
    storage::pg::append_copy_binary_bool(out, true);
    storage::pg::append_copy_binary_null(out);
    REQUIRE(storage::pg::append_copy_binary_text(out, "hi") == TextCheck::ok);
    storage::pg::append_copy_binary_trailer(out);
    const std::string expected("\0\3"
                               "\0\0\0\4" "\xff\xff\xff\xfe"
                               "\0\0\0\x8" "\1\2\3\4\5\6\7\x8"
                               "\0\0\0\1" "\1"
                               "\xff\xff\xff\xff"
                               "\0\0\0\2" "hi"
                               "\xff\xff", 2 + 8 + 12 + 5 + 4 + 6 + 2);
    CHECK(out == expected);
}

TEST_CASE("text values larger than PostgreSQL's 1 GiB limit are refused", "[pg][copy_encoding]") {
    // 1 GiB of untouched anonymous memory costs nothing; its zero bytes read as NUL.
    constexpr std::size_t gib = std::size_t{1} << 30U;
    void* pages = ::mmap(nullptr, gib, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    REQUIRE(pages != MAP_FAILED);
    const std::string_view huge(static_cast<const char*>(pages), gib);
    std::string out;
    CHECK(storage::pg::append_copy_binary_text(out, huge) == TextCheck::too_long);
    CHECK(storage::pg::check_text_value(huge.substr(1)) == TextCheck::contains_nul);
    CHECK(out.empty());
    ::munmap(pages, gib);
}
