// String formats against the verdicts of the reference (@atproto/syntax strict checkers)
// for every line of the interop syntax fixtures (test/data/lexicon/format_verdicts.json,
// made by tools/reference_oracle.mjs; ten lines there disagree with the fixture label).
#include <catch2/catch.hpp>
#include <simdjson.h>

#include "atproto/lexicon/string_formats.hpp"
#include "test/atproto/lexicon/test_files.hpp"

using namespace atproto::lexicon;

TEST_CASE("every string format agrees with the reference on all interop syntax fixtures", "[lexicon][string_formats]") {
    simdjson::dom::parser parser;
    simdjson::padded_string text(lexicon_test::data_file("lexicon/format_verdicts.json"));
    size_t checked = 0;
    for (simdjson::dom::element item : parser.parse(text).get_array()) {
        std::string_view name = item["format"].get_string();
        std::string_view value = item["value"].get_string();
        bool valid = item["valid"].get_bool();
        auto format = string_format_from_name(name);
        REQUIRE(format);
        INFO(name << " '" << value << "'");
        CHECK(matches_format(*format, value) == valid);
        ++checked;
    }
    CHECK(checked > 500);
}

TEST_CASE("datetime follows JavaScript Date on day overflow, leap seconds and the year range", "[lexicon][string_formats]") {
    CHECK(is_datetime("2024-02-30T00:00:00Z"));    // rolls over to March
    CHECK_FALSE(is_datetime("2024-01-00T00:00:00Z"));
    CHECK_FALSE(is_datetime("1985-12-31T23:59:60Z"));
    CHECK(is_datetime("0000-01-01T00:00:00Z"));
    CHECK_FALSE(is_datetime("0000-01-01T00:00:00+01:00"));
    CHECK_FALSE(is_datetime("9999-12-31T23:59:59-01:00"));
    CHECK_FALSE(is_datetime("2024-01-01T12:00:00-00:00"));
    CHECK_FALSE(is_datetime("2024-01-01T12:00:00"));
    CHECK(is_datetime("2024-01-01T12:00:00.123456789+05:30"));
}

TEST_CASE("CID strings must be canonical and blob base64 sizes are computed without padding", "[lexicon][string_formats]") {
    auto cid = parse_cid_text("bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy");
    REQUIRE(cid);
    CHECK(cid->codec == 0x55);
    CHECK_FALSE(parse_cid_text("BAFKREIBME22GW2H7Y2H7TG2FHQOTAQJUCNBC24DEQO72B6MKL2EGEZXHVY"));
    CHECK_FALSE(parse_cid_text("bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhv"));
    CHECK(base64_decoded_size("b25l") == 3u);
    CHECK(base64_decoded_size("b25lYQ") == 4u);
    CHECK(base64_decoded_size("b25lYQ==") == 4u);
    CHECK_FALSE(base64_decoded_size("b25lY"));
    CHECK_FALSE(base64_decoded_size("b2*l"));
}
