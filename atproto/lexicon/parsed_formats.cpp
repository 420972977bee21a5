// The string formats that need more than a character scan: datetime, language tags,
// CIDs (and the base64 size of `$bytes`). Declared in string_formats.hpp.
#include <array>
#include <vector>

#include "atproto/lexicon/string_formats.hpp"

namespace atproto::lexicon {
namespace {

constexpr bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }

int digits(std::string_view s, size_t pos, size_t n) {
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
        if (i >= s.size() || !is_digit(s[i])) return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

// Days since 1970-01-01 of a proleptic Gregorian date; the day may overflow the month.
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2 ? 1 : 0;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

template <class Pred>
bool all_of(std::string_view s, Pred pred) {
    for (char c : s) {
        if (!pred(c)) return false;
    }
    return !s.empty();
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool same_ci(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

std::vector<std::string_view> split_subtags(std::string_view s) {
    std::vector<std::string_view> out;
    size_t start = 0;
    while (true) {
        size_t end = s.find('-', start);
        out.push_back(s.substr(start, end == std::string_view::npos ? end : end - start));
        if (end == std::string_view::npos) return out;
        start = end + 1;
    }
}

bool is_private_use(const std::vector<std::string_view>& t, size_t i) {  // x-…(1–8 alnum)+ to the end
    if (i + 1 >= t.size() || !(t[i] == "x" || t[i] == "X")) return false;
    for (size_t k = i + 1; k < t.size(); ++k) {
        if (t[k].size() > 8 || !all_of(t[k], is_alnum)) return false;
    }
    return true;
}

bool is_variant(std::string_view v) {
    return (v.size() >= 5 && v.size() <= 8 && all_of(v, is_alnum)) ||
           (v.size() == 4 && is_digit(v[0]) && all_of(v, is_alnum));
}

// language[-extlang]{0,3}[-script][-region](-variant)*(-ext)*[-privateuse], strict primary.
bool is_langtag(const std::vector<std::string_view>& t) {
    size_t i = 0;
    std::string_view primary = t[i++];
    if (primary.size() < 2 || primary.size() > 3 || !all_of(primary, [](char c) { return c >= 'a' && c <= 'z'; })) {
        return false;
    }
    for (int n = 0; n < 3 && i < t.size() && t[i].size() == 3 && all_of(t[i], is_alpha); ++n) ++i;
    if (i < t.size() && t[i].size() == 4 && all_of(t[i], is_alpha)) ++i;
    if (i < t.size() && ((t[i].size() == 2 && all_of(t[i], is_alpha)) || (t[i].size() == 3 && all_of(t[i], is_digit)))) ++i;
    std::vector<std::string_view> seen;
    for (; i < t.size() && is_variant(t[i]); ++i) {
        for (auto v : seen) {
            if (same_ci(v, t[i])) return false;
        }
        seen.push_back(t[i]);
    }
    seen.clear();
    while (i < t.size() && t[i].size() == 1 && is_alnum(t[i][0]) && lower(t[i][0]) != 'x') {
        for (auto v : seen) {
            if (same_ci(v, t[i])) return false;
        }
        seen.push_back(t[i++]);
        size_t first = i;
        while (i < t.size() && t[i].size() >= 2 && t[i].size() <= 8 && all_of(t[i], is_alnum)) ++i;
        if (i == first) return false;
    }
    return i == t.size() || is_private_use(t, i);
}

constexpr std::array<std::string_view, 26> grandfathered{
    "en-GB-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak", "i-klingon", "i-lux", "i-mingo",
    "i-navajo", "i-pwn", "i-tao", "i-tay", "i-tsu", "sgn-BE-FR", "sgn-BE-NL", "sgn-CH-DE", "art-lojban",
    "cel-gaulish", "no-bok", "no-nyn", "zh-guoyu", "zh-hakka", "zh-min", "zh-min-nan", "zh-xiang"};

// At most 80 bytes: the decoded form of a 128-character CID string.
struct CidBytes {
    std::array<uint8_t, 80> data{};
    size_t size = 0;
};

bool read_varint(const CidBytes& b, size_t& pos, uint64_t& out) {
    out = 0;
    for (int shift = 0; shift < 63 && pos < b.size; shift += 7) {
        uint8_t byte = b.data[pos++];
        out |= static_cast<uint64_t>(byte & 0x7F) << shift;
        if ((byte & 0x80) == 0) return !(byte == 0 && shift > 0);  // minimal encoding only
    }
    return false;
}

constexpr std::array<int8_t, 256> base32_values = [] {
    std::array<int8_t, 256> t{};
    t.fill(-1);
    for (int c = 'a'; c <= 'z'; ++c) t[static_cast<size_t>(c)] = static_cast<int8_t>(c - 'a');
    for (int c = '2'; c <= '7'; ++c) t[static_cast<size_t>(c)] = static_cast<int8_t>(c - '2' + 26);
    return t;
}();

std::optional<CidBytes> base32_decode(std::string_view s) {  // RFC 4648 lower, unpadded
    CidBytes out;
    uint32_t buffer = 0;
    int bits = 0;
    for (char c : s) {
        int v = base32_values[static_cast<unsigned char>(c)];
        if (v < 0) return std::nullopt;
        buffer = (buffer << 5) | static_cast<uint32_t>(v);
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            if (out.size == out.data.size()) return std::nullopt;
            out.data[out.size++] = static_cast<uint8_t>(buffer >> bits);
        }
    }
    if (bits >= 5 || (buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}

std::optional<std::vector<uint8_t>> base58_decode(std::string_view s) {
    constexpr std::string_view alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    std::vector<uint8_t> out;  // little-endian big number
    for (char c : s) {
        size_t v = alphabet.find(c);
        if (v == std::string_view::npos) return std::nullopt;
        uint32_t carry = static_cast<uint32_t>(v);
        for (uint8_t& byte : out) {
            carry += static_cast<uint32_t>(byte) * 58;
            byte = static_cast<uint8_t>(carry);
            carry >>= 8;
        }
        for (; carry > 0; carry >>= 8) out.push_back(static_cast<uint8_t>(carry));
    }
    for (size_t i = 0; i < s.size() && s[i] == '1'; ++i) out.push_back(0);
    return std::vector<uint8_t>(out.rbegin(), out.rend());
}

}  // namespace

bool is_datetime(std::string_view s) {
    // YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM), ≤ 64 chars, not "-00:00"; then JS Date rules:
    // day 00 and second 60 do not parse, days past the month's end roll over, and the
    // instant normalised to UTC must fall in years 0000–9999.
    if (s.size() > 64 || s.size() < 20 || s.ends_with("-00:00")) return false;
    int year = digits(s, 0, 4), month = digits(s, 5, 2), day = digits(s, 8, 2);
    int hour = digits(s, 11, 2), minute = digits(s, 14, 2), second = digits(s, 17, 2);
    if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') return false;
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23) return false;
    if (minute < 0 || minute > 59 || second < 0 || second > 59) return false;
    size_t i = 19;
    if (i < s.size() && s[i] == '.') {
        size_t start = ++i;
        while (i < s.size() && is_digit(s[i])) ++i;
        if (i == start) return false;
    }
    int offset = 0;
    std::string_view zone = s.substr(i);
    if (zone != "Z") {
        int oh = digits(zone, 1, 2), om = digits(zone, 4, 2);
        if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':' || oh < 0 || oh > 23 ||
            om < 0 || om > 59) {
            return false;
        }
        offset = (zone[0] == '+' ? 1 : -1) * (oh * 60 + om);
    }
    int64_t minutes = days_from_civil(year, month, day) * 1440 + hour * 60 + minute - offset;
    return minutes >= days_from_civil(0, 1, 1) * 1440 && minutes < days_from_civil(10000, 1, 1) * 1440;
}

bool is_language(std::string_view s) {
    for (std::string_view g : grandfathered) {
        if (s == g) return true;
    }
    std::vector<std::string_view> t = split_subtags(s);
    return is_private_use(t, 0) || is_langtag(t);
}

std::optional<CidText> parse_cid_text(std::string_view s) {
    if (s.size() > 128 || s.empty()) return std::nullopt;
    if (s.size() == 46 && s.starts_with("Qm")) {
        auto bytes = base58_decode(s);
        if (!bytes || bytes->size() != 34 || (*bytes)[0] != 0x12 || (*bytes)[1] != 0x20) return std::nullopt;
        return CidText{0, 0x70};
    }
    if (s[0] != 'b') return std::nullopt;
    auto bytes = base32_decode(s.substr(1));
    if (!bytes) return std::nullopt;
    size_t pos = 0;
    uint64_t version = 0, codec = 0, hash = 0, length = 0;
    if (!read_varint(*bytes, pos, version) || version != 1 || !read_varint(*bytes, pos, codec) ||
        !read_varint(*bytes, pos, hash) || !read_varint(*bytes, pos, length)) {
        return std::nullopt;
    }
    if (bytes->size - pos != length) return std::nullopt;
    return CidText{version, codec};
}

std::optional<uint64_t> base64_decoded_size(std::string_view s) {
    while (!s.empty() && s.back() == '=') s.remove_suffix(1);
    for (char c : s) {
        if (!is_alnum(c) && c != '+' && c != '/') return std::nullopt;
    }
    if (s.size() % 4 == 1) return std::nullopt;
    return s.size() * 6 / 8;
}

}  // namespace atproto::lexicon
