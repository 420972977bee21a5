#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "atproto/cbor/from_json.hpp"
#include "atproto/cbor/json.hpp"
#include "atproto/cbor/reader.hpp"
#include "test/atproto/fixtures.hpp"

using atproto::Errc;
using atproto::cbor::JsonEncoder;
using namespace test_atproto;

namespace {

std::vector<std::byte> encode(JsonEncoder& encoder, std::string_view json) {
    std::vector<std::byte> out;
    auto r = encoder.encode(json, out);
    INFO(json);
    REQUIRE(r);
    return out;
}

Errc error_of(std::string_view json) {
    JsonEncoder encoder;
    std::vector<std::byte> out{std::byte{1}};
    auto r = encoder.encode(json, out);
    REQUIRE_FALSE(r);
    CHECK(out.size() == 1);  // untouched on error
    return r.error().code;
}

// Rejected by the encoder, or failing the strict reader or the JSON writer.
bool rejected(JsonEncoder& encoder, std::string_view json) {
    std::vector<std::byte> cbor;
    if (!encoder.encode(json, cbor)) return true;
    std::string back;
    return !atproto::cbor::validate(cbor) || !atproto::cbor::to_json(cbor, back);
}

simdjson::dom::element load(simdjson::dom::parser& parser, std::string& text, const char* name) {
    text = read_text(shared_path(std::string("fixtures/atproto-interop-tests/data-model/") + name));
    return parser.parse(text);
}

}  // namespace

TEST_CASE("every valid data-model JSON encodes and round-trips through the reader and to_json",
          "[atproto][from_json]") {
    simdjson::dom::parser parser;
    std::string text;
    JsonEncoder encoder;
    std::size_t count = 0;
    for (simdjson::dom::element entry : array(load(parser, text, "data-model-valid.json"))) {
        INFO(std::string_view(entry["note"]));
        const auto cbor = encode(encoder, simdjson::minify(entry["json"]));
        REQUIRE(atproto::cbor::validate(cbor));
        std::string json;
        REQUIRE(atproto::cbor::to_json(cbor, json));
        CHECK(encode(encoder, json) == cbor);
        ++count;
    }
    CHECK(count == 5);
}

TEST_CASE("every invalid data-model JSON is rejected", "[atproto][from_json]") {
    simdjson::dom::parser parser;
    std::string text;
    JsonEncoder encoder;
    std::size_t count = 0;
    for (simdjson::dom::element entry : array(load(parser, text, "data-model-invalid.json"))) {
        INFO(std::string_view(entry["note"]));
        CHECK(rejected(encoder, simdjson::minify(entry["json"])));
        ++count;
    }
    CHECK(count == 12);
}

TEST_CASE("the data-model fixtures' JSON encodes to exactly their CBOR", "[atproto][from_json]") {
    simdjson::dom::parser parser;
    std::string text;
    JsonEncoder encoder;
    std::size_t count = 0;
    for (simdjson::dom::element entry : array(load(parser, text, "data-model-fixtures.json"))) {
        INFO(std::string_view(entry["cid"]));
        CHECK(encode(encoder, simdjson::minify(entry["json"])) == base64(std::string_view(entry["cbor_base64"])));
        ++count;
    }
    CHECK(count == 3);
}

TEST_CASE("the JSON encoder sorts keys canonically and names each rejection", "[atproto][from_json]") {
    JsonEncoder encoder;
    // {"b": 1, "aa": [true, null, -1], "a": {"$bytes": "AQI"}} → keys a, b, aa.
    CHECK(encode(encoder, R"({"b":1,"aa":[true,null,-1],"a":{"$bytes":"AQI"}})") ==
          hex("a3 61 61 42 01 02 61 62 01 62 61 61 83 f5 f6 20"));
    CHECK(error_of("[1]") == Errc::unexpected_type);
    CHECK(error_of("{") == Errc::invalid_json);
    CHECK(error_of(R"({"a":1.5})") == Errc::float_not_allowed);
    CHECK(error_of(R"({"a":18446744073709551615})") == Errc::integer_out_of_range);
    CHECK(error_of(R"({"a":1,"a":2})") == Errc::duplicate_map_key);
    CHECK(error_of(R"({"a":{"$link":"bafy"}})") == Errc::invalid_cid_string);
    CHECK(error_of(R"({"a":{"$link":1}})") == Errc::invalid_link);
    CHECK(error_of(R"({"a":{"$bytes":"!!"}})") == Errc::invalid_bytes);
    CHECK(error_of(R"({"$type":""})") == Errc::invalid_type_field);
    CHECK(error_of(R"({"$type":"blob","mimeType":"a/b","size":1})") == Errc::invalid_blob);
    std::string deep(33, '[');
    deep = R"({"a":)" + deep + std::string(33, ']') + "}";
    CHECK(error_of(deep) == Errc::nesting_too_deep);
}
