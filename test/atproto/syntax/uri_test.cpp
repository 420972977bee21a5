#include "atproto/syntax/uri.hpp"

#include "fixture_lines.hpp"

namespace sx = atproto::syntax;
using test_syntax::check_fixture;

TEST_CASE("uri validator accepts every valid URI fixture", "[atproto][syntax][uri]") {
    check_fixture("uri_syntax_valid.txt", sx::is_valid_uri, true);
}
TEST_CASE("uri validator rejects every invalid URI fixture", "[atproto][syntax][uri]") {
    check_fixture("uri_syntax_invalid.txt", sx::is_valid_uri, false);
}

TEST_CASE("uri validator bounds scheme and total length", "[atproto][syntax][uri]") {
    CHECK(sx::is_valid_uri("https://example.com/" + std::string(8192 - 20, 'x')));
    CHECK_FALSE(sx::is_valid_uri("https://example.com/" + std::string(8193 - 20, 'x')));
    CHECK_FALSE(sx::is_valid_uri("Https://example.com"));
    CHECK_FALSE(sx::is_valid_uri("http:exa\x7fmple"));
    CHECK_FALSE(sx::is_valid_uri(""));
}
