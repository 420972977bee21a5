// The atproto-interop-tests lexicon suite: documents the loader must accept or reject, and
// records checked against example.lexicon.record.
#include <catch2/catch.hpp>
#include <simdjson.h>

#include "atproto/lexicon/validator.hpp"
#include "test/atproto/lexicon/test_files.hpp"

using atproto::lexicon::Outcome;
using atproto::lexicon::SchemaSet;
using atproto::lexicon::Validator;

namespace {

const std::string suite = "fixtures/atproto-interop-tests/lexicon/";

Validator catalog_validator() {
    std::string catalog = lexicon_test::shared_file(suite + "catalog/record.json");
    std::vector<std::string_view> docs{catalog};
    auto set = SchemaSet::load(docs);
    REQUIRE(set);
    return Validator(std::move(*set));
}

// Where the reference (@atproto/lex-schema, strict) differs from the interop suite's label:
// the "full" record's blob refers to a dag-cbor CID, and strict blob refs need a raw CID.
bool reference_rejects(std::string_view name) { return name == "full"; }

}  // namespace

TEST_CASE("the loader accepts every valid interop lexicon document and rejects every invalid one", "[lexicon][interop]") {
    for (const char* file : {"lexicon-valid.json", "lexicon-invalid.json"}) {
        bool expect_valid = std::string_view(file) == "lexicon-valid.json";
        simdjson::dom::parser parser;
        simdjson::padded_string text(lexicon_test::shared_file(suite + file));
        for (simdjson::dom::element item : parser.parse(text).get_array()) {
            std::string_view name = item["name"].get_string();
            std::string doc = simdjson::minify(item["lexicon"]);
            INFO(name);
            CHECK(atproto::lexicon::check_document(doc).has_value() == expect_valid);
        }
    }
}

TEST_CASE("interop record data validates against example.lexicon.record as the reference does", "[lexicon][interop]") {
    Validator validator = catalog_validator();
    for (const char* file : {"record-data-valid.json", "record-data-invalid.json"}) {
        bool labelled_valid = std::string_view(file) == "record-data-valid.json";
        simdjson::dom::parser parser;
        simdjson::padded_string text(lexicon_test::shared_file(suite + file));
        for (simdjson::dom::element item : parser.parse(text).get_array()) {
            std::string_view name = item["name"].get_string();
            auto verdict = validator.validate("example.lexicon.record", item["data"].value());
            INFO(name << " → " << verdict.describe());
            CHECK(verdict.ok() == (labelled_valid && !reference_rejects(name)));
            if (reference_rejects(name)) CHECK(verdict.describe() == "blob: bad_blob");
        }
    }
}

TEST_CASE("an unknown collection and the unvalidated chat declaration are reported apart", "[lexicon][interop]") {
    Validator validator = catalog_validator();
    CHECK(validator.validate("com.example.nothing", R"({"$type":"com.example.nothing"})").outcome ==
          Outcome::unknown_collection);
    CHECK(validator.validate("chat.bsky.actor.declaration", "not even json").outcome == Outcome::not_validated);
    CHECK(validator.validate("example.lexicon.record", "{not json").reason == atproto::lexicon::Reason::not_json);
}
