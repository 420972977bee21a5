#include <catch2/catch.hpp>

#include <string>

#include "atproto/cbor/json.hpp"
#include "atproto/cid.hpp"
#include "test/atproto/fixtures.hpp"

using test_atproto::hex;

namespace {
std::string json_of(const std::vector<std::byte>& cbor) {
    std::string out;
    auto r = atproto::cbor::to_json(cbor, out);
    REQUIRE(r.has_value());
    return out;
}
}  // namespace

TEST_CASE("JSON strings escape quotes, backslashes and every control character", "[atproto][json]") {
    std::string out;
    atproto::cbor::append_json_string(out, std::string_view("a\"b\\c\0d\x01\x1f\b\f\n\r\t\x7f", 15));
    CHECK(out == R"("a\"b\\c\u0000d\u0001\u001f\b\f\n\r\t)" "\x7f\"");
}

TEST_CASE("non-ASCII UTF-8 passes through unescaped", "[atproto][json]") {
    CHECK(json_of(hex("64 f0 9f 98 80")) == "\"\xf0\x9f\x98\x80\"");
}

TEST_CASE("byte strings become $bytes by major type, even when they look like text", "[atproto][json]") {
    CHECK(json_of(hex("43 616263")) == R"({"$bytes":"YWJj"})");
    CHECK(json_of(hex("41 ff")) == R"({"$bytes":"/w"})");
    CHECK(json_of(hex("42 fbff")) == R"({"$bytes":"+/8"})");
    CHECK(json_of(hex("40")) == R"({"$bytes":""})");
    CHECK(json_of(hex("63 616263")) == R"("abc")");
}

TEST_CASE("links become $link objects and containers nest", "[atproto][json]") {
    const auto cid = *atproto::Cid::from_string("bafyreihwfaifjeb22jhvqaclqrmqhgwzvvzwxzlmbafn5qyvfx4ar5sm44");
    auto bytes = hex("a3 61 61 80 61 62 a0 61 63 82 d8 2a 58 25 00");
    const auto bin = cid.binary();
    bytes.insert(bytes.end(), bin.begin(), bin.end());
    bytes.push_back(std::byte{0x20});  // -1
    CHECK(json_of(bytes) ==
          R"({"a":[],"b":{},"c":[{"$link":"bafyreihwfaifjeb22jhvqaclqrmqhgwzvvzwxzlmbafn5qyvfx4ar5sm44"},-1]})");
    CHECK(json_of(hex("83 f5 f4 f6")) == "[true,false,null]");
    CHECK(json_of(hex("3b 7fffffffffffffff")) == "-9223372036854775808");
}

TEST_CASE("a conversion error leaves the output as it was", "[atproto][json]") {
    std::string out = "prefix";
    auto r = atproto::cbor::to_json(hex("82 01 f9 0000"), out);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == atproto::Errc::float_not_allowed);
    CHECK(out == "prefix");
    CHECK_FALSE(atproto::cbor::to_json(hex("01 01"), out));
    CHECK(out == "prefix");
}

TEST_CASE("the data-model fixtures convert to their JSON and hash to their CID", "[atproto][json]") {
    const std::string text = test_atproto::read_text(
        test_atproto::shared_path("fixtures/atproto-interop-tests/data-model/data-model-fixtures.json"));
    simdjson::dom::parser parser;
    simdjson::padded_string padded(text);
    simdjson::dom::element fixtures = parser.parse(padded).value();
    std::size_t count = 0;
    for (auto fixture : test_atproto::array(fixtures)) {
        const auto cbor = test_atproto::base64(fixture["cbor_base64"].get_string().value());
        INFO(fixture["cid"].get_string().value());
        CHECK(atproto::cbor::validate(cbor).has_value());
        CHECK(test_atproto::canonical_json(json_of(cbor)) == test_atproto::canonical(fixture["json"].value()));
        CHECK(atproto::Cid::of(atproto::Cid::dag_cbor, cbor).to_string() == fixture["cid"].get_string().value());
        ++count;
    }
    CHECK(count == 3);
}
