#include "atproto/syntax/language.hpp"

#include "fixture_lines.hpp"

namespace sx = atproto::syntax;
using test_syntax::check_fixture;

TEST_CASE("language validator accepts every valid language fixture", "[atproto][syntax][language]") {
    check_fixture("language_syntax_valid.txt", sx::is_valid_language, true);
}
TEST_CASE("language validator rejects every invalid language fixture", "[atproto][syntax][language]") {
    check_fixture("language_syntax_invalid.txt", sx::is_valid_language, false);
}
TEST_CASE("language validator rejects repeated variants and extension singletons",
          "[atproto][syntax][language]") {
    check_fixture("language_parse_invalid.txt", sx::is_valid_language, false);
}

TEST_CASE("language validator handles extlang, private use and malformed tails",
          "[atproto][syntax][language]") {
    CHECK(sx::is_valid_language("zh-yue-HK"));
    CHECK(sx::is_valid_language("x-whatever"));
    CHECK(sx::is_valid_language("en-x-a-b-c"));
    CHECK(sx::is_valid_language("EN-gb-OED"));
    CHECK_FALSE(sx::is_valid_language("x-"));
    CHECK_FALSE(sx::is_valid_language("en--GB"));
    CHECK_FALSE(sx::is_valid_language("en-a"));
    CHECK_FALSE(sx::is_valid_language("en-a-toolongsubtag"));
    CHECK_FALSE(sx::is_valid_language("en-x-toolongsubtag"));
    CHECK_FALSE(sx::is_valid_language(""));
}
