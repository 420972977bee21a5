// Counts extended grapheme clusters (Unicode UAX #29, including the GB9c Indic conjunct
// and GB11 emoji ZWJ rules) the way Intl.Segmenter does. Pure function: thread-safe.
// Properties come from a table probed from Node's ICU (grapheme_table.cpp).
#pragma once

#include <cstdint>
#include <string_view>

namespace atproto::lexicon {

// `utf8` should be valid UTF-8; a malformed byte counts as one code point of class Other.
[[nodiscard]] uint64_t count_graphemes(std::string_view utf8);

}  // namespace atproto::lexicon
