#include "atproto/cbor/json.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>

#include "atproto/base_encoding.hpp"

namespace atproto::cbor {

namespace {

// 0: copy as is; otherwise the character after the backslash ('u' = \u00XX).
constexpr std::array<char, 256> escapes = [] {
    std::array<char, 256> t{};
    for (int c = 0; c < 0x20; ++c) t[c] = 'u';
    t['\b'] = 'b';
    t['\f'] = 'f';
    t['\n'] = 'n';
    t['\r'] = 'r';
    t['\t'] = 't';
    t['"'] = '"';
    t['\\'] = '\\';
    return t;
}();

void append_integer(std::string& out, std::int64_t value) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, r.ptr);
}

void append_scalar(std::string& out, const Item& item) {
    switch (item.kind) {
        case Kind::integer: append_integer(out, item.integer); break;
        case Kind::text: append_json_string(out, item.text); break;
        case Kind::bytes:
            out.append(R"({"$bytes":")");
            append_base64(out, item.bytes);
            out.append("\"}");
            break;
        case Kind::link:
            out.append(R"({"$link":"b)");
            append_base32(out, item.bytes);
            out.append("\"}");
            break;
        case Kind::boolean: out.append(item.integer ? "true" : "false"); break;
        default: out.append("null"); break;
    }
}

struct Level {
    std::uint64_t remaining;  // items left; a map counts keys and values
    bool is_map;
    bool first;
};

// True when any of the 8 bytes is a control character, '"' or '\\' (SWAR: a zero byte in
// x ^ c, or a byte below 0x20, sets that byte's high bit; bytes >= 0x80 are masked out).
bool needs_escape(std::uint64_t x) noexcept {
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    constexpr std::uint64_t highs = 0x8080808080808080ULL;
    auto zero_byte = [](std::uint64_t v) { return (v - ones) & ~v & highs; };
    const std::uint64_t below_space = (x - ones * 0x20) & ~x & highs;
    return (below_space | zero_byte(x ^ (ones * '"')) | zero_byte(x ^ (ones * '\\'))) != 0;
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    out.push_back('"');
    std::size_t run = 0;
    std::size_t i = 0;
    while (i + 8 <= text.size()) {
        std::uint64_t word;
        std::memcpy(&word, text.data() + i, sizeof word);
        if (needs_escape(word)) break;
        i += 8;
    }
    for (; i < text.size(); ++i) {
        const char e = escapes[static_cast<unsigned char>(text[i])];
        if (e == 0) continue;
        out.append(text.data() + run, i - run);
        run = i + 1;
        out.push_back('\\');
        out.push_back(e);
        if (e == 'u') {
            const auto c = static_cast<unsigned char>(text[i]);
            out.append("00");
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    out.append(text.data() + run, text.size() - run);
    out.push_back('"');
}

Expected<void> write_json(Reader& reader, std::string& out) {
    const std::size_t start = out.size();
    std::array<Level, max_depth> stack;
    std::size_t depth = 0;
    do {
        auto item = reader.next();
        if (!item) {
            out.resize(start);
            return tl::unexpected(item.error());
        }
        if (depth > 0) {
            Level& top = stack[depth - 1];
            const bool is_key = top.is_map && top.remaining % 2 == 0;
            --top.remaining;
            if (is_key || !top.is_map) {
                if (!top.first) out.push_back(',');
                top.first = false;
            }
            if (is_key) {
                append_json_string(out, item->text);
                out.push_back(':');
                continue;
            }
        }
        if (item->kind == Kind::array || item->kind == Kind::map) {
            const bool is_map = item->kind == Kind::map;
            out.push_back(is_map ? '{' : '[');
            if (item->count > 0) {
                stack[depth++] = Level{is_map ? item->count * 2 : item->count, is_map, true};
                continue;
            }
            out.push_back(is_map ? '}' : ']');
        } else {
            append_scalar(out, *item);
        }
        while (depth > 0 && stack[depth - 1].remaining == 0) out.push_back(stack[--depth].is_map ? '}' : ']');
    } while (depth > 0);
    return {};
}

Expected<void> to_json(std::span<const std::byte> cbor, std::string& out) {
    const std::size_t start = out.size();
    Reader reader(cbor);
    if (auto r = write_json(reader, out); !r) return r;
    if (auto r = reader.finish(); !r) {
        out.resize(start);
        return r;
    }
    return {};
}

}  // namespace atproto::cbor
