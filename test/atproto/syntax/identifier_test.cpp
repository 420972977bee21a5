#include "atproto/syntax/identifier.hpp"

#include "fixture_lines.hpp"

namespace sx = atproto::syntax;
using test_syntax::check_fixture;

TEST_CASE("did validator accepts every valid DID fixture", "[atproto][syntax][did]") {
    check_fixture("did_syntax_valid.txt", sx::is_valid_did, true);
}
TEST_CASE("did validator rejects every invalid DID fixture", "[atproto][syntax][did]") {
    check_fixture("did_syntax_invalid.txt", sx::is_valid_did, false);
}
TEST_CASE("handle validator accepts every valid handle fixture", "[atproto][syntax][handle]") {
    check_fixture("handle_syntax_valid.txt", sx::is_valid_handle, true);
}
TEST_CASE("handle validator rejects every invalid handle fixture", "[atproto][syntax][handle]") {
    check_fixture("handle_syntax_invalid.txt", sx::is_valid_handle, false);
}
TEST_CASE("nsid validator accepts every valid NSID fixture", "[atproto][syntax][nsid]") {
    check_fixture("nsid_syntax_valid.txt", sx::is_valid_nsid, true);
}
TEST_CASE("nsid validator rejects every invalid NSID fixture", "[atproto][syntax][nsid]") {
    check_fixture("nsid_syntax_invalid.txt", sx::is_valid_nsid, false);
}
TEST_CASE("at-identifier validator accepts every valid fixture", "[atproto][syntax][atidentifier]") {
    check_fixture("atidentifier_syntax_valid.txt", sx::is_valid_at_identifier, true);
}
TEST_CASE("at-identifier validator rejects every invalid fixture", "[atproto][syntax][atidentifier]") {
    check_fixture("atidentifier_syntax_invalid.txt", sx::is_valid_at_identifier, false);
}
TEST_CASE("record key validator accepts every valid fixture", "[atproto][syntax][recordkey]") {
    check_fixture("recordkey_syntax_valid.txt", sx::is_valid_record_key, true);
}
TEST_CASE("record key validator rejects every invalid fixture", "[atproto][syntax][recordkey]") {
    check_fixture("recordkey_syntax_invalid.txt", sx::is_valid_record_key, false);
}
TEST_CASE("cid string validator accepts every valid fixture", "[atproto][syntax][cid]") {
    check_fixture("cid_syntax_valid.txt", sx::is_valid_cid, true);
}
TEST_CASE("cid string validator rejects every invalid fixture", "[atproto][syntax][cid]") {
    check_fixture("cid_syntax_invalid.txt", sx::is_valid_cid, false);
}

TEST_CASE("handle normalisation lower-cases valid handles and refuses invalid ones",
          "[atproto][syntax][handle]") {
    CHECK(sx::normalize_handle("XX.LCS.MIT.EDU") == "xx.lcs.mit.edu");
    CHECK(sx::normalize_handle("Alice.Bsky.Social") == "alice.bsky.social");
    CHECK(sx::normalize_handle("john.test") == "john.test");
    CHECK_FALSE(sx::normalize_handle("john").has_value());
    CHECK_FALSE(sx::normalize_handle("JOHN.TEST.").has_value());
}

TEST_CASE("identifier length limits sit exactly at the spec maxima", "[atproto][syntax][limits]") {
    CHECK(sx::is_valid_record_key(std::string(512, 'o')));
    CHECK_FALSE(sx::is_valid_record_key(std::string(513, 'o')));
    const std::string did_prefix = "did:plc:";
    CHECK(sx::is_valid_did(did_prefix + std::string(2048 - did_prefix.size(), 'a')));
    CHECK_FALSE(sx::is_valid_did(did_prefix + std::string(2049 - did_prefix.size(), 'a')));
    CHECK_FALSE(sx::is_valid_did(""));
    CHECK_FALSE(sx::is_valid_nsid(""));
    CHECK_FALSE(sx::is_valid_handle(""));
    CHECK_FALSE(sx::is_valid_cid(""));
}
