// Code point → grapheme-break properties, as sorted non-overlapping ranges (code points
// not covered are class Other). Generated data (tools/gen_grapheme_table.js): read-only.
#pragma once

#include <cstdint>
#include <span>

namespace atproto::lexicon::detail {

struct GraphemeRange {
    uint32_t first;
    uint32_t last;
    uint8_t value;  // class (low 4 bits) | 16 if Extended_Pictographic | 32 * Indic_Conjunct_Break
};

std::span<const GraphemeRange> grapheme_ranges();

}  // namespace atproto::lexicon::detail
