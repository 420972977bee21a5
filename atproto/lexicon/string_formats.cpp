#include "atproto/lexicon/string_formats.hpp"

#include <array>
#include <utility>

namespace atproto::lexicon {
namespace {

constexpr bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }

template <class Pred>
bool all_of(std::string_view s, Pred pred) {
    for (char c : s) {
        if (!pred(c)) return false;
    }
    return true;
}

// Calls fn(segment) for each '.'-separated part; stops early when fn returns false.
template <class Fn>
bool each_segment(std::string_view s, char sep, Fn fn) {
    size_t start = 0;
    while (true) {
        size_t end = s.find(sep, start);
        if (!fn(s.substr(start, end == std::string_view::npos ? end : end - start))) return false;
        if (end == std::string_view::npos) return true;
        start = end + 1;
    }
}

bool is_label(std::string_view l) {  // 1–63 of [A-Za-z0-9-], no hyphen at either end
    return !l.empty() && l.size() <= 63 && l.front() != '-' && l.back() != '-' &&
           all_of(l, [](char c) { return is_alnum(c) || c == '-'; });
}

// JSON-pointer fragment of an at-uri: allowed characters, then percent-decoding must yield UTF-8.
bool is_fragment(std::string_view h) {
    constexpr std::string_view extra = "._~:@!$&')(*+,;=%[]/-";
    if (h.empty() || h.front() != '/') return false;
    if (!all_of(h, [&](char c) { return is_alnum(c) || extra.find(c) != std::string_view::npos; })) return false;
    std::string decoded;
    for (size_t i = 0; i < h.size(); ++i) {
        if (h[i] != '%') {
            decoded.push_back(h[i]);
            continue;
        }
        auto hex = [](char c) -> int {
            if (is_digit(c)) return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        };
        if (i + 2 >= h.size()) return false;
        int hi = hex(h[i + 1]), lo = hex(h[i + 2]);
        if (hi < 0 || lo < 0) return false;
        decoded.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    // Strict UTF-8 (no overlong forms, no surrogates), as decodeURIComponent demands.
    for (size_t i = 0; i < decoded.size();) {
        auto b = static_cast<unsigned char>(decoded[i]);
        size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
        if (n == 0 || i + n > decoded.size()) return false;
        uint32_t cp = n == 1 ? b : b & (0x7F >> n);
        for (size_t k = 1; k < n; ++k) {
            auto c = static_cast<unsigned char>(decoded[i + k]);
            if ((c & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (c & 0x3F);
        }
        constexpr std::array<uint32_t, 5> min_cp{0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += n;
    }
    return true;
}

// JavaScript's \s: ASCII whitespace plus the Unicode space separators, LS, PS and BOM.
bool is_js_space(uint32_t cp) {
    if (cp == 0x20 || (cp >= 0x09 && cp <= 0x0D) || cp == 0xA0 || cp == 0x1680) return true;
    if ((cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F) return true;
    return cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

// Reads the code point at s[i] (s is valid UTF-8) and advances i.
uint32_t next_code_point(std::string_view s, size_t& i) {
    auto b = static_cast<unsigned char>(s[i]);
    size_t n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    uint32_t cp = n == 1 ? b : b & (0x7F >> n);
    for (size_t k = 1; k < n && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    i += n;
    return cp;
}

}  // namespace

bool is_did(std::string_view s) {
    // did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]
    if (s.size() > 2048 || !s.starts_with("did:")) return false;
    std::string_view rest = s.substr(4);
    size_t colon = rest.find(':');
    if (colon == 0 || colon == std::string_view::npos) return false;
    if (!all_of(rest.substr(0, colon), [](char c) { return c >= 'a' && c <= 'z'; })) return false;
    std::string_view id = rest.substr(colon + 1);
    if (id.empty() || id.back() == ':' || id.back() == '%') return false;
    return all_of(id, [](char c) { return is_alnum(c) || c == '.' || c == '_' || c == ':' || c == '%' || c == '-'; });
}

bool is_handle(std::string_view s) {
    if (s.size() > 253) return false;
    size_t labels = 0;
    std::string_view last;
    bool ok = each_segment(s, '.', [&](std::string_view l) {
        ++labels;
        last = l;
        return is_label(l);
    });
    return ok && labels >= 2 && is_alpha(last.front());
}

bool is_nsid(std::string_view s) {
    if (s.size() > 317 || s.size() < 5) return false;
    size_t count = 0;
    std::string_view first, last;
    bool ok = each_segment(s, '.', [&](std::string_view seg) {
        if (count++ == 0) first = seg;
        last = seg;
        return is_label(seg);
    });
    return ok && count >= 3 && is_alpha(first.front()) && is_alpha(last.front()) && all_of(last, is_alnum);
}

bool is_at_identifier(std::string_view s) {
    return s.starts_with("did:") ? is_did(s) : !s.empty() && is_handle(s);
}

bool is_record_key(std::string_view s) {
    if (s.empty() || s.size() > 512 || s == "." || s == "..") return false;
    return all_of(s, [](char c) { return is_alnum(c) || c == '_' || c == '~' || c == '.' || c == ':' || c == '-'; });
}

bool is_tid(std::string_view s) {
    auto base32 = [](char c) { return (c >= '2' && c <= '7') || (c >= 'a' && c <= 'z'); };
    return s.size() == 13 && ((s[0] >= '2' && s[0] <= '7') || (s[0] >= 'a' && s[0] <= 'j')) && all_of(s, base32);
}

bool is_uri(std::string_view s) {
    // ^\w+:(?://)?[^\s/][^\s]*$ — scheme of word characters, then no whitespace anywhere.
    size_t colon = s.find(':');
    if (colon == 0 || colon == std::string_view::npos) return false;
    if (!all_of(s.substr(0, colon), [](char c) { return is_alnum(c) || c == '_'; })) return false;
    std::string_view rest = s.substr(colon + 1);
    if (rest.starts_with("//")) rest.remove_prefix(2);
    if (rest.empty() || rest.front() == '/') return false;
    for (size_t i = 0; i < rest.size();) {
        if (is_js_space(next_code_point(rest, i))) return false;
    }
    return true;
}

bool is_at_uri(std::string_view s) {
    constexpr std::string_view extra = "._~:@!$&'()*+,;=%/\\[]#?-";
    if (s.size() > 8192 || !s.starts_with("at://")) return false;
    if (!all_of(s, [&](char c) { return is_alnum(c) || extra.find(c) != std::string_view::npos; })) return false;
    std::string_view rest = s.substr(5);
    size_t hash = rest.find('#');
    std::string_view before_hash = rest.substr(0, hash);
    if (before_hash.find('?') != std::string_view::npos) return false;  // strict: no query
    if (hash != std::string_view::npos && !is_fragment(rest.substr(hash + 1))) return false;
    std::array<std::string_view, 3> parts{};
    size_t count = 0;
    bool ok = each_segment(before_hash, '/', [&](std::string_view seg) {
        if (seg.empty() || count == parts.size()) return false;  // empty part or trailing slash
        parts[count++] = seg;
        return true;
    });
    if (!ok || !is_at_identifier(parts[0])) return false;
    if (count >= 2 && !is_nsid(parts[1])) return false;
    return count < 3 || is_record_key(parts[2]);
}

bool matches_format(StringFormat format, std::string_view value) {
    switch (format) {
        case StringFormat::none: return true;
        case StringFormat::at_identifier: return is_at_identifier(value);
        case StringFormat::at_uri: return is_at_uri(value);
        case StringFormat::cid: return is_cid(value);
        case StringFormat::datetime: return is_datetime(value);
        case StringFormat::did: return is_did(value);
        case StringFormat::handle: return is_handle(value);
        case StringFormat::language: return is_language(value);
        case StringFormat::nsid: return is_nsid(value);
        case StringFormat::record_key: return is_record_key(value);
        case StringFormat::tid: return is_tid(value);
        case StringFormat::uri: return is_uri(value);
    }
    return false;
}

std::optional<StringFormat> string_format_from_name(std::string_view name) {
    constexpr std::array<std::pair<std::string_view, StringFormat>, 11> names{{
        {"at-identifier", StringFormat::at_identifier}, {"at-uri", StringFormat::at_uri},
        {"cid", StringFormat::cid}, {"datetime", StringFormat::datetime}, {"did", StringFormat::did},
        {"handle", StringFormat::handle}, {"language", StringFormat::language}, {"nsid", StringFormat::nsid},
        {"record-key", StringFormat::record_key}, {"tid", StringFormat::tid}, {"uri", StringFormat::uri},
    }};
    for (const auto& [n, f] : names) {
        if (n == name) return f;
    }
    return std::nullopt;
}

}  // namespace atproto::lexicon
