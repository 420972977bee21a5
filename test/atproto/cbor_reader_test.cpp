#include <catch2/catch.hpp>

#include <limits>
#include <string>

#include "atproto/cbor/reader.hpp"
#include "test/atproto/fixtures.hpp"

using atproto::Errc;
using atproto::cbor::Kind;
using atproto::cbor::Reader;
using test_atproto::hex;

namespace {

void check_rejected(const std::vector<std::byte>& bytes, Errc code, std::size_t offset) {
    const auto r = atproto::cbor::validate(bytes);
    REQUIRE_FALSE(r.has_value());
    CHECK(atproto::to_string(r.error().code) == atproto::to_string(code));
    CHECK(r.error().offset == offset);
}

std::vector<std::byte> nested_arrays(std::size_t depth) {
    std::vector<std::byte> out(depth, std::byte{0x81});
    out.push_back(std::byte{0x00});
    return out;
}

}  // namespace

TEST_CASE("the reader returns every kind of item with views into the input", "[atproto][cbor_reader]") {
    // {"a": [1, -2, h'0102', "é", true, null], "bb": 42(cid)}
    const auto bytes = hex("a2 61 61 86 01 21 42 01 02 62 c3 a9 f5 f6 62 62 62 d8 2a 58 25 00 01 71 12 20"
                           "0000000000000000000000000000000000000000000000000000000000000000");
    Reader reader(bytes);
    CHECK(reader.next()->count == 2);
    CHECK(reader.next()->text == "a");
    CHECK(reader.next()->count == 6);
    CHECK(reader.next()->integer == 1);
    CHECK(reader.next()->integer == -2);
    auto b = reader.next();
    CHECK(b->kind == Kind::bytes);
    CHECK(b->bytes.data() == bytes.data() + 7);
    CHECK(reader.next()->text == "\xc3\xa9");
    CHECK(reader.next()->integer == 1);
    CHECK(reader.next()->kind == Kind::null);
    CHECK(reader.next()->text == "bb");
    auto link = reader.next();
    CHECK(link->kind == Kind::link);
    CHECK(link->bytes.size() == 36);
    CHECK(reader.finish().has_value());
}

TEST_CASE("the reader accepts the extremes of the signed 64-bit range", "[atproto][cbor_reader]") {
    const auto max_bytes = hex("1b 7fffffffffffffff");
    Reader max(max_bytes);
    CHECK(max.next()->integer == std::numeric_limits<std::int64_t>::max());
    const auto min_bytes = hex("3b 7fffffffffffffff");
    Reader min(min_bytes);
    CHECK(min.next()->integer == std::numeric_limits<std::int64_t>::min());
}

TEST_CASE("skip consumes exactly one value and find_key stops on the value", "[atproto][cbor_reader]") {
    // {"a": {"x": [1, 2]}, "b": 7, "cc": 8}
    const auto bytes = hex("a3 61 61 a1 61 78 82 01 02 61 62 07 62 63 63 08");
    Reader reader(bytes);
    auto map = reader.next(Kind::map);
    std::uint64_t left = map->count;
    REQUIRE(reader.find_key(left, "b").value());
    CHECK(reader.next()->integer == 7);
    CHECK(left == 1);
    CHECK_FALSE(reader.find_key(left, "zz").value());
    CHECK(reader.finish().has_value());
}

TEST_CASE("the reader rejects indefinite lengths", "[atproto][cbor_reader]") {
    check_rejected(hex("9f 01 ff"), Errc::indefinite_length, 0);
    check_rejected(hex("7f 61 61 ff"), Errc::indefinite_length, 0);
    check_rejected(hex("bf ff"), Errc::indefinite_length, 0);
    check_rejected(hex("81 ff"), Errc::indefinite_length, 1);
}

TEST_CASE("the reader rejects non-minimal integers and lengths", "[atproto][cbor_reader]") {
    check_rejected(hex("18 17"), Errc::non_minimal_encoding, 0);
    check_rejected(hex("19 00ff"), Errc::non_minimal_encoding, 0);
    check_rejected(hex("1a 0000ffff"), Errc::non_minimal_encoding, 0);
    check_rejected(hex("1b 00000000ffffffff"), Errc::non_minimal_encoding, 0);
    check_rejected(hex("82 01 38 00"), Errc::non_minimal_encoding, 2);
    check_rejected(hex("78 01 61"), Errc::non_minimal_encoding, 0);
    check_rejected(hex("d8 2a 58 05 0001711220"), Errc::non_minimal_encoding, 0);
}

TEST_CASE("the reader rejects map keys out of canonical order or duplicated", "[atproto][cbor_reader]") {
    check_rejected(hex("a2 62 62 62 01 61 61 02"), Errc::map_keys_out_of_order, 5);  // longer key first
    check_rejected(hex("a2 61 62 01 61 61 02"), Errc::map_keys_out_of_order, 4);     // same length, b before a
    check_rejected(hex("a2 61 61 01 61 61 02"), Errc::duplicate_map_key, 4);
    check_rejected(hex("a1 01 02"), Errc::map_key_not_text, 1);
    check_rejected(hex("a1 41 61 02"), Errc::map_key_not_text, 1);
}

TEST_CASE("the reader rejects tags other than 42 and malformed links", "[atproto][cbor_reader]") {
    check_rejected(hex("c1 00"), Errc::tag_not_allowed, 0);
    check_rejected(hex("d8 2b 40"), Errc::tag_not_allowed, 0);
    check_rejected(hex("d8 2a 01"), Errc::invalid_link, 0);
    check_rejected(hex("d8 2a 41 01"), Errc::invalid_link, 0);
    check_rejected(hex("d8 2a 45 00 01 71 12 20"), Errc::invalid_link, 0);  // digest shorter than declared
    std::vector<std::byte> long_cid = hex("d8 2a 58 66 00 01 71 12 61");
    long_cid.resize(long_cid.size() + 97, std::byte{0x11});
    check_rejected(long_cid, Errc::cid_too_long, 0);
}

TEST_CASE("the reader rejects floats and simple values other than true, false and null", "[atproto][cbor_reader]") {
    check_rejected(hex("f9 3c00"), Errc::float_not_allowed, 0);
    check_rejected(hex("fa 3f800000"), Errc::float_not_allowed, 0);
    check_rejected(hex("fb 3ff0000000000000"), Errc::float_not_allowed, 0);
    check_rejected(hex("f7"), Errc::simple_value_not_allowed, 0);
    check_rejected(hex("f0"), Errc::simple_value_not_allowed, 0);
    check_rejected(hex("f8 20"), Errc::simple_value_not_allowed, 0);
    check_rejected(hex("1c"), Errc::reserved_additional_info, 0);
}

TEST_CASE("the reader rejects integers outside the signed 64-bit range", "[atproto][cbor_reader]") {
    check_rejected(hex("1b 8000000000000000"), Errc::integer_out_of_range, 0);
    check_rejected(hex("3b 8000000000000000"), Errc::integer_out_of_range, 0);
}

TEST_CASE("the reader rejects invalid UTF-8 in text strings", "[atproto][cbor_reader]") {
    check_rejected(hex("62 c3 28"), Errc::invalid_utf8, 0);      // bad continuation
    check_rejected(hex("62 c0 80"), Errc::invalid_utf8, 0);      // overlong NUL
    check_rejected(hex("63 ed a0 80"), Errc::invalid_utf8, 0);   // surrogate
    check_rejected(hex("64 f4 90 80 80"), Errc::invalid_utf8, 0);  // above U+10FFFF
    check_rejected(hex("82 00 69 616263646566676880"), Errc::invalid_utf8, 2);
}

TEST_CASE("the reader allows 32 levels of nesting and rejects the 33rd", "[atproto][cbor_reader]") {
    CHECK(atproto::cbor::validate(nested_arrays(32)).has_value());
    check_rejected(nested_arrays(33), Errc::nesting_too_deep, 32);
}

TEST_CASE("the reader rejects containers over 131072 elements", "[atproto][cbor_reader]") {
    check_rejected(hex("9a 00020001"), Errc::container_too_large, 0);
    check_rejected(hex("ba 00020001"), Errc::container_too_large, 0);
    std::vector<std::byte> largest = hex("9a 00020000");
    largest.resize(largest.size() + 131072, std::byte{0});
    CHECK(atproto::cbor::validate(largest).has_value());
}

TEST_CASE("the reader rejects truncated input and trailing bytes", "[atproto][cbor_reader]") {
    check_rejected({}, Errc::truncated, 0);
    check_rejected(hex("62 61"), Errc::truncated, 0);
    check_rejected(hex("19 01"), Errc::truncated, 0);
    check_rejected(hex("82 01"), Errc::truncated, 0);
    check_rejected(hex("a1 61 61"), Errc::truncated, 3);
    check_rejected(hex("01 02"), Errc::trailing_bytes, 1);
}

TEST_CASE("the reader rejects bad input in every position without reading past the end", "[atproto][cbor_reader]") {
    const auto good = hex("a2 61 61 86 01 21 42 01 02 62 c3 a9 f5 f6 62 62 62 d8 2a 58 25 00 01 71 12 20"
                          "0000000000000000000000000000000000000000000000000000000000000000");
    for (std::size_t size = 0; size < good.size(); ++size) {
        const std::vector<std::byte> prefix(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(size));
        CHECK_FALSE(atproto::cbor::validate(prefix).has_value());
    }
    CHECK(atproto::cbor::validate(good).has_value());
}
