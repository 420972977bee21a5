// Grapheme counts against Intl.Segmenter (test/data/lexicon/grapheme_counts.json, made
// by tools/grapheme_oracle.mjs), plus the cases the post length limit depends on.
#include <catch2/catch.hpp>
#include <simdjson.h>

#include "atproto/lexicon/grapheme.hpp"
#include "test/atproto/lexicon/test_files.hpp"

using atproto::lexicon::count_graphemes;

TEST_CASE("grapheme counts match Intl.Segmenter on emoji, Hangul, Indic and combining sequences", "[lexicon][grapheme]") {
    simdjson::dom::parser parser;
    simdjson::padded_string text(lexicon_test::data_file("lexicon/grapheme_counts.json"));
    for (simdjson::dom::element item : parser.parse(text).get_array()) {
        std::string_view sample = item["text"].get_string();
        INFO("'" << sample << "'");
        uint64_t expected = item["count"].get_uint64();
        CHECK(count_graphemes(sample) == expected);
    }
}

TEST_CASE("one user-perceived character counts once however many code points it has", "[lexicon][grapheme]") {
    CHECK(count_graphemes("") == 0);
    CHECK(count_graphemes("abc") == 3);
    CHECK(count_graphemes("e\xCC\x81") == 1);                          // e + combining acute
    CHECK(count_graphemes("\xF0\x9F\x87\xA9\xF0\x9F\x87\xAA") == 1);  // 🇩🇪
    CHECK(count_graphemes("\xF0\x9F\x87\xA9\xF0\x9F\x87\xAA\xF0\x9F\x87\xAB") == 2);
    CHECK(count_graphemes("\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7") == 1);  // 👩‍👩‍👧
    CHECK(count_graphemes("\xE2\x9D\xA4\xEF\xB8\x8F") == 1);         // ❤️ (variation selector)
    CHECK(count_graphemes("\xEA\xB0\x81") == 1);                       // 각 (precomposed)
    CHECK(count_graphemes("\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8") == 1);  // ᄀ ᅡ ᆨ (jamo)
    CHECK(count_graphemes("\r\n") == 1);
}
