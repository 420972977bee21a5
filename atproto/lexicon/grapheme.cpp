#include "atproto/lexicon/grapheme.hpp"

#include <algorithm>

#include "atproto/lexicon/grapheme_table.hpp"

namespace atproto::lexicon {
namespace {

enum class Gcb : uint8_t { other, cr, lf, control, extend, zwj, ri, prepend, spacing_mark, l, v, t, lv, lvt };
enum class InCb : uint8_t { none, consonant, linker, extend };

struct Props {
    Gcb gcb = Gcb::other;
    bool pictographic = false;
    InCb incb = InCb::none;
};

Props lookup(uint32_t cp) {
    if (cp < 0x80) {
        if (cp == 0x0D) return {Gcb::cr};
        if (cp == 0x0A) return {Gcb::lf};
        return {cp < 0x20 || cp == 0x7F ? Gcb::control : Gcb::other};
    }
    auto table = detail::grapheme_ranges();
    auto it = std::upper_bound(table.begin(), table.end(), cp,
                               [](uint32_t c, const detail::GraphemeRange& r) { return c < r.first; });
    if (it == table.begin() || (--it)->last < cp) return {};
    return {static_cast<Gcb>(it->value & 15), (it->value & 16) != 0, static_cast<InCb>(it->value >> 5)};
}

uint32_t decode(std::string_view s, size_t& i) {
    auto b = static_cast<unsigned char>(s[i]);
    size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 1;
    if (i + n > s.size()) n = 1;
    uint32_t cp = n == 1 ? b : b & (0x7Fu >> n);
    for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    i += n;
    return cp;
}

// State carried across code points for the rules that look further back than one step.
struct Context {
    Props prev;
    unsigned ri_run = 0;           // regional indicators in a row (GB12/13)
    bool emoji_tail = false;       // ExtPict Extend* seen (GB11)
    bool emoji_zwj = false;        // … followed by ZWJ
    bool conjunct = false;         // InCB Consonant [Extend|Linker]* seen (GB9c)
    bool conjunct_linked = false;  // … containing a Linker
};

bool is_break(const Context& c, Props next) {
    Gcb a = c.prev.gcb, b = next.gcb;
    if (a == Gcb::cr && b == Gcb::lf) return false;                                         // GB3
    if (a == Gcb::cr || a == Gcb::lf || a == Gcb::control) return true;                     // GB4
    if (b == Gcb::cr || b == Gcb::lf || b == Gcb::control) return true;                     // GB5
    if (a == Gcb::l && (b == Gcb::l || b == Gcb::v || b == Gcb::lv || b == Gcb::lvt)) return false;  // GB6
    if ((a == Gcb::lv || a == Gcb::v) && (b == Gcb::v || b == Gcb::t)) return false;        // GB7
    if ((a == Gcb::lvt || a == Gcb::t) && b == Gcb::t) return false;                        // GB8
    if (b == Gcb::extend || b == Gcb::zwj || b == Gcb::spacing_mark) return false;          // GB9, GB9a
    if (a == Gcb::prepend) return false;                                                    // GB9b
    if (c.conjunct_linked && next.incb == InCb::consonant) return false;                    // GB9c
    if (c.emoji_zwj && a == Gcb::zwj && next.pictographic) return false;                   // GB11
    if (a == Gcb::ri && b == Gcb::ri) return c.ri_run % 2 == 0;                             // GB12, GB13
    return true;                                                                            // GB999
}

void advance(Context& c, Props next) {
    c.ri_run = next.gcb == Gcb::ri ? c.ri_run + 1 : 0;
    if (next.pictographic) {
        c.emoji_tail = true;
        c.emoji_zwj = false;
    } else if (next.gcb == Gcb::zwj && c.emoji_tail) {
        c.emoji_zwj = true;
        c.emoji_tail = false;
    } else if (!(next.gcb == Gcb::extend && c.emoji_tail)) {
        c.emoji_tail = c.emoji_zwj = false;
    }
    if (next.incb == InCb::consonant) {
        c.conjunct = true;
        c.conjunct_linked = false;
    } else if (c.conjunct && (next.incb == InCb::extend || next.incb == InCb::linker)) {
        c.conjunct_linked = c.conjunct_linked || next.incb == InCb::linker;
    } else {
        c.conjunct = c.conjunct_linked = false;
    }
    c.prev = next;
}

}  // namespace

uint64_t count_graphemes(std::string_view utf8) {
    uint64_t count = 0;
    Context context;
    for (size_t i = 0; i < utf8.size();) {
        Props next = lookup(decode(utf8, i));
        if (count == 0 || is_break(context, next)) ++count;
        advance(context, next);
    }
    return count;
}

}  // namespace atproto::lexicon
