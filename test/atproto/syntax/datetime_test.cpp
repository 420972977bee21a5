#include "atproto/syntax/datetime.hpp"

#include "fixture_lines.hpp"

#include <stdexcept>

namespace sx = atproto::syntax;
using test_syntax::check_fixture;

TEST_CASE("datetime validator accepts every valid datetime fixture", "[atproto][syntax][datetime]") {
    check_fixture("datetime_syntax_valid.txt", sx::is_valid_datetime, true);
}
TEST_CASE("datetime validator rejects every invalid datetime fixture", "[atproto][syntax][datetime]") {
    check_fixture("datetime_syntax_invalid.txt", sx::is_valid_datetime, false);
}
TEST_CASE("datetime validator rejects every semantically invalid datetime fixture",
          "[atproto][syntax][datetime]") {
    check_fixture("datetime_parse_invalid.txt", sx::is_valid_datetime, false);
}

TEST_CASE("datetime normalisation gives the 24-char UTC millisecond form", "[atproto][syntax][datetime]") {
    CHECK(sx::normalize_datetime("1985-04-12T23:20:50.123Z") == "1985-04-12T23:20:50.123Z");
    CHECK(sx::normalize_datetime("1985-04-12T23:20:50Z") == "1985-04-12T23:20:50.000Z");
    CHECK(sx::normalize_datetime("1985-04-12T23:20:50.1Z") == "1985-04-12T23:20:50.100Z");
    CHECK(sx::normalize_datetime("1985-04-12T23:20:50.1239Z") == "1985-04-12T23:20:50.123Z");
    CHECK(sx::normalize_datetime("1985-04-12T23:20:50.1235678912345Z") == "1985-04-12T23:20:50.123Z");
    CHECK(sx::normalize_datetime("1985-04-12T23:20:50.123+00:00") == "1985-04-12T23:20:50.123Z");
    CHECK(sx::normalize_datetime("1985-04-12T23:20:50.123-07:00") == "1985-04-13T06:20:50.123Z");
    CHECK(sx::normalize_datetime("1985-04-12T23:20:50.123+01:45") == "1985-04-12T21:35:50.123Z");
    CHECK(sx::normalize_datetime("0985-04-12T23:20:50.123-07:00") == "0985-04-13T06:20:50.123Z");
    CHECK(sx::normalize_datetime("2000-01-01T00:30:00+01:00") == "1999-12-31T23:30:00.000Z");
    CHECK(sx::normalize_datetime("2024-02-28T23:00:00.5-01:00") == "2024-02-29T00:00:00.500Z");
    CHECK(sx::normalize_datetime("0000-01-01T00:00:00.000Z") == "0000-01-01T00:00:00.000Z");
    CHECK(sx::normalize_datetime("9999-12-31T23:59:59.999Z") == "9999-12-31T23:59:59.999Z");
}

TEST_CASE("datetime normalisation refuses invalid input and instants past year 9999",
          "[atproto][syntax][datetime]") {
    CHECK_FALSE(sx::normalize_datetime("9999-12-31T23:00:00-02:00").has_value());
    CHECK_FALSE(sx::normalize_datetime("0000-01-01T00:00:00+01:00").has_value());
    CHECK_FALSE(sx::normalize_datetime("2023-02-29T00:00:00Z").has_value());
    CHECK_FALSE(sx::normalize_datetime("1900-02-29T00:00:00Z").has_value());
    CHECK(sx::normalize_datetime("2000-02-29T00:00:00Z").has_value());
    CHECK_FALSE(sx::normalize_datetime("1985-04-12T23:59:60Z").has_value());
    CHECK_FALSE(sx::normalize_datetime("1985-04-12T23:20:50.123+24:00").has_value());
    CHECK_FALSE(sx::normalize_datetime("1985-04-12T23:20:50." + std::string(21, '1') + "Z").has_value());
    CHECK_FALSE(sx::normalize_datetime("").has_value());
}

TEST_CASE("every valid datetime fixture normalises to a valid fixed point", "[atproto][syntax][datetime]") {
    for (const auto& [number, text] : test_syntax::fixture_lines("datetime_syntax_valid.txt")) {
        INFO("line " << number << ": " << text);
        const auto normal = sx::normalize_datetime(text);
        REQUIRE(normal.has_value());
        CHECK(normal->size() == sx::iso_millis_length);
        CHECK(sx::normalize_datetime(*normal) == normal);
    }
}

TEST_CASE("datetime millis count from the Unix epoch on both sides", "[atproto][syntax][datetime]") {
    CHECK(sx::parse_datetime_millis("1970-01-01T00:00:00Z") == 0);
    CHECK(sx::parse_datetime_millis("1969-12-31T23:59:59.999Z") == -1);
    CHECK(sx::parse_datetime_millis("2024-05-01T12:34:56.789Z") == 1714566896789);
    CHECK(sx::format_iso_millis(-1) == "1969-12-31T23:59:59.999Z");
    CHECK(sx::format_iso_millis(1714566896789) == "2024-05-01T12:34:56.789Z");
    CHECK_THROWS_AS(sx::format_iso_millis(253402300800000), std::out_of_range);
}

TEST_CASE("now is written in the toISOString shape, already normalised", "[atproto][syntax][datetime]") {
    const auto now = atproto::syntax::now_iso_millis();
    CHECK(now.size() == atproto::syntax::iso_millis_length);
    CHECK(now.starts_with("20"));
    CHECK(atproto::syntax::normalize_datetime(now) == now);
}
