#include "atproto/syntax/tid.hpp"

#include "fixture_lines.hpp"

#include <stdexcept>

namespace sx = atproto::syntax;
using test_syntax::check_fixture;

TEST_CASE("tid validator accepts every valid TID fixture", "[atproto][syntax][tid]") {
    check_fixture("tid_syntax_valid.txt", sx::is_valid_tid, true);
}
TEST_CASE("tid validator rejects every invalid TID fixture", "[atproto][syntax][tid]") {
    check_fixture("tid_syntax_invalid.txt", sx::is_valid_tid, false);
}

TEST_CASE("tid decode and encode round-trip microseconds and clock id", "[atproto][syntax][tid]") {
    CHECK(sx::decode_tid("2222222222222") == sx::TidValue{0, 0});
    CHECK(sx::encode_tid({0, 0}) == "2222222222222");
    CHECK(sx::encode_tid({0, 1}) == "2222222222223");
    CHECK(sx::encode_tid({0, 32}) == "2222222222232");
    CHECK(sx::encode_tid({sx::max_tid_micros, sx::max_tid_clock_id}) == "bzzzzzzzzzzzz");

    // A rev from the jetstream corpus manifest: 2026 is when it was captured.
    const auto rev = sx::decode_tid("3migo7fijwi2k");
    REQUIRE(rev.has_value());
    CHECK(rev->micros / 1'000'000 / 86400 / 365 + 1970 == 2026);
    CHECK(sx::encode_tid(*rev) == "3migo7fijwi2k");

    for (const auto& [number, text] : test_syntax::fixture_lines("tid_syntax_valid.txt")) {
        const auto value = sx::decode_tid(text);
        REQUIRE(value.has_value());
        if (value->micros <= sx::max_tid_micros) CHECK(sx::encode_tid(*value) == text);
    }
}

TEST_CASE("tid string order is numeric order", "[atproto][syntax][tid]") {
    const auto a = sx::encode_tid({1'700'000'000'000'000, 5});
    const auto b = sx::encode_tid({1'700'000'000'000'001, 0});
    CHECK(a < b);
    CHECK(sx::decode_tid(a)->packed() < sx::decode_tid(b)->packed());
}

TEST_CASE("tid encode refuses out-of-range parts as a caller bug", "[atproto][syntax][tid]") {
    CHECK_THROWS_AS(sx::encode_tid({sx::max_tid_micros + 1, 0}), std::invalid_argument);
    CHECK_THROWS_AS(sx::encode_tid({0, 1024}), std::invalid_argument);
}
