// Records of every validated collection against the verdicts of the reference validator
// (bsky 0.0.280's generated schemas on @atproto/lex-schema, strict validate mode):
// test/data/lexicon/record_verdicts.json, made by tools/make_record_cases.py and
// tools/reference_oracle.mjs. Same accept/reject, same offending path, same kind of issue.
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <simdjson.h>

#include "atproto/lexicon/validator.hpp"
#include "test/atproto/lexicon/test_files.hpp"

using namespace atproto::lexicon;

namespace {

std::string dotted(simdjson::dom::array path) {
    std::string out;
    for (simdjson::dom::element seg : path) {
        std::string_view key;
        if (seg.get(key) == simdjson::SUCCESS) {
            if (!out.empty()) out += '.';
            out += key;
        } else {
            out += fmt::format("[{}]", int64_t(seg.get_int64()));
        }
    }
    return out;
}

// The reference's issue codes for each Reason.
bool same_kind(Reason reason, std::string_view issue) {
    switch (reason) {
        case Reason::missing_required: return issue == "required_key";
        case Reason::wrong_type:
        case Reason::bad_blob: return issue == "invalid_type";
        case Reason::bad_type_field:
        case Reason::union_member_not_allowed:
        case Reason::value_not_allowed:
        case Reason::blob_mime_not_accepted: return issue == "invalid_value";
        case Reason::too_long:
        case Reason::too_many_graphemes:
        case Reason::blob_too_large: return issue == "too_big";
        case Reason::too_short:
        case Reason::too_few_graphemes: return issue == "too_small";
        case Reason::out_of_range: return issue == "too_big" || issue == "too_small";
        case Reason::bad_format: return issue == "invalid_format";
        default: return false;
    }
}

}  // namespace

TEST_CASE("record verdicts match the reference validator case by case", "[lexicon][reference]") {
    auto validator = Validator::create_embedded();
    REQUIRE(validator);
    simdjson::dom::parser parser;
    simdjson::padded_string text(lexicon_test::data_file("lexicon/record_verdicts.json"));
    size_t valid = 0, invalid = 0;
    for (simdjson::dom::element item : parser.parse(text).get_array()) {
        std::string_view collection = item["collection"].get_string();
        std::string_view name = item["name"].get_string();
        bool expect_valid = item["valid"].get_bool();
        Verdict verdict = validator->validate(collection, item["record"].value());
        INFO(collection << ": " << name << " → " << verdict.describe());
        REQUIRE(verdict.ok() == expect_valid);
        (expect_valid ? valid : invalid)++;
        if (expect_valid) continue;
        std::string_view issue = item["issue"].get_string();
        INFO("reference issue " << issue << " at " << dotted(item["path"].get_array()));
        // The reference puts a missing property's parent in the path; we name the property.
        std::string expected_path = dotted(item["path"].get_array());
        if (issue == "required_key") {
            CHECK(verdict.path.starts_with(expected_path));
            CHECK(verdict.path.find_first_of(".[", expected_path.size() + 1) == std::string::npos);
        } else {
            CHECK(verdict.path == expected_path);
        }
        CHECK(same_kind(verdict.reason, issue));
    }
    CHECK(valid > 100);
    CHECK(invalid > 1000);
}
