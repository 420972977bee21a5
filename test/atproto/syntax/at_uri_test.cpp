#include "atproto/syntax/at_uri.hpp"

#include "fixture_lines.hpp"

namespace sx = atproto::syntax;
using test_syntax::check_fixture;

TEST_CASE("at-uri validator accepts every valid AT-URI fixture", "[atproto][syntax][aturi]") {
    check_fixture("aturi_syntax_valid.txt", sx::is_valid_at_uri, true);
}
TEST_CASE("at-uri validator rejects every invalid AT-URI fixture", "[atproto][syntax][aturi]") {
    check_fixture("aturi_syntax_invalid.txt", sx::is_valid_at_uri, false);
}

TEST_CASE("at-uri parse splits authority, collection and record key", "[atproto][syntax][aturi]") {
    const auto full = sx::parse_at_uri("at://did:plc:asdf123/app.bsky.feed.post/3jzfcijpj2z2a");
    REQUIRE(full.has_value());
    CHECK(full->authority == "did:plc:asdf123");
    CHECK(full->collection == "app.bsky.feed.post");
    CHECK(full->rkey == "3jzfcijpj2z2a");

    const auto collection = sx::parse_at_uri("at://Alice.Test/app.bsky.feed.like");
    REQUIRE(collection.has_value());
    CHECK(collection->authority == "Alice.Test");
    CHECK(collection->collection == "app.bsky.feed.like");
    CHECK(collection->rkey.empty());

    const auto repo = sx::parse_at_uri("at://did:web:example.com");
    REQUIRE(repo.has_value());
    CHECK(repo->authority == "did:web:example.com");
    CHECK(repo->collection.empty());
    CHECK(repo->rkey.empty());

    CHECK_FALSE(sx::parse_at_uri("at://did:plc:asdf123/app.bsky.feed.post/").has_value());
    CHECK_FALSE(sx::parse_at_uri("at://did:plc:asdf123/not_nsid/x").has_value());
}
