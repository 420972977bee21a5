#include "atproto/syntax/language.hpp"

#include "atproto/syntax/ascii.hpp"

#include <array>
#include <bitset>

namespace atproto::syntax {

using namespace ascii;

namespace {

// RFC 5646 section 2.1 `grandfathered` (irregular and regular), compared case-insensitively.
constexpr std::array<std::string_view, 26> grandfathered = {
    "en-GB-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak", "i-klingon",
    "i-lux", "i-mingo", "i-navajo", "i-pwn", "i-tao", "i-tay", "i-tsu", "sgn-BE-FR",
    "sgn-BE-NL", "sgn-CH-DE", "art-lojban", "cel-gaulish", "no-bok", "no-nyn", "zh-guoyu",
    "zh-hakka", "zh-min", "zh-min-nan", "zh-xiang"};

// Walks the '-'-separated subtags; an empty subtag marks the tag malformed.
class Subtags {
public:
    explicit Subtags(std::string_view s) noexcept : rest_(s) {}
    std::string_view next() noexcept {
        if (done_) return {};
        const auto dash = rest_.find('-');
        const auto tag = rest_.substr(0, dash);
        done_ = dash == std::string_view::npos;
        rest_ = done_ ? std::string_view{} : rest_.substr(dash + 1);
        malformed_ = malformed_ || tag.empty();
        return tag;
    }
    [[nodiscard]] bool malformed() const noexcept { return malformed_; }

private:
    std::string_view rest_;
    bool done_ = false;
    bool malformed_ = false;
};

template <class Pred>
constexpr bool all_of(std::string_view t, Pred pred) noexcept {
    for (char c : t) {
        if (!pred(c)) return false;
    }
    return true;
}

constexpr bool alpha_len(std::string_view t, std::size_t lo, std::size_t hi) noexcept {
    return t.size() >= lo && t.size() <= hi && all_of(t, is_alpha);
}
constexpr bool alnum_len(std::string_view t, std::size_t lo, std::size_t hi) noexcept {
    return t.size() >= lo && t.size() <= hi && all_of(t, is_alnum);
}
constexpr bool is_region(std::string_view t) noexcept {
    return alpha_len(t, 2, 2) || (t.size() == 3 && all_of(t, is_digit));
}
constexpr bool is_variant(std::string_view t) noexcept {
    return alnum_len(t, 5, 8) || (t.size() == 4 && is_digit(t[0]) && alnum_len(t, 4, 4));
}
constexpr bool is_private_singleton(std::string_view t) noexcept { return t == "x" || t == "X"; }

// `x-…` tail: one or more subtags of 1-8 alphanumerics; must end the tag.
bool private_use_tail(Subtags& tags) noexcept {
    std::size_t count = 0;
    for (auto t = tags.next(); !t.empty(); t = tags.next(), ++count) {
        if (!alnum_len(t, 1, 8)) return false;
    }
    return count > 0 && !tags.malformed();
}

// True when `variant` already occurs among the '-'-separated subtags of `seen`.
bool repeats(std::string_view seen, std::string_view variant) noexcept {
    Subtags earlier(seen);
    for (auto t = earlier.next(); !t.empty(); t = earlier.next()) {
        if (iequals(t, variant)) return true;
    }
    return false;
}

int singleton_index(char c) noexcept { return is_digit(c) ? c - '0' : 10 + (to_lower(c) - 'a'); }

// Everything after the primary language subtag (and its extlangs), starting at `t`.
bool langtag_tail(Subtags& tags, std::string_view t) noexcept {
    if (alpha_len(t, 4, 4)) t = tags.next();  // script
    if (is_region(t)) t = tags.next();
    const char* variants_begin = t.data();
    while (is_variant(t)) {
        if (repeats(std::string_view(variants_begin, static_cast<std::size_t>(t.data() - variants_begin)), t)) {
            return false;
        }
        t = tags.next();
    }
    std::bitset<36> singletons;
    while (t.size() == 1 && is_alnum(t[0]) && !is_private_singleton(t)) {
        const int index = singleton_index(t[0]);
        if (singletons.test(static_cast<std::size_t>(index))) return false;
        singletons.set(static_cast<std::size_t>(index));
        std::size_t count = 0;
        for (t = tags.next(); alnum_len(t, 2, 8); t = tags.next()) ++count;
        if (count == 0) return false;
    }
    if (is_private_singleton(t)) return private_use_tail(tags);
    return t.empty() && !tags.malformed();
}

}  // namespace

bool is_valid_language(std::string_view s) noexcept {
    for (auto g : grandfathered) {
        if (iequals(s, g)) return true;
    }
    Subtags tags(s);
    auto t = tags.next();
    if (is_private_singleton(t)) return private_use_tail(tags);
    if (t.size() < 2 || t.size() > 3 || !all_of(t, is_lower)) return false;
    t = tags.next();
    for (int extlang = 0; extlang < 3 && alpha_len(t, 3, 3); ++extlang) t = tags.next();
    return langtag_tail(tags, t);
}

}  // namespace atproto::syntax
