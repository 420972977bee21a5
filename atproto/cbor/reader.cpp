#include "atproto/cbor/reader.hpp"

#include <cstring>
#include <limits>

#include "atproto/utf8.hpp"

namespace atproto::cbor {

namespace {

constexpr std::uint64_t max_int = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
constexpr std::uint64_t cid_tag = 42;

enum Major : unsigned { unsigned_int = 0, negative_int, byte_string, text_string, array, map, tag, simple };

// Unsigned LEB128 inside a CID; false on truncation or more than 9 bytes.
bool read_cid_varint(std::span<const std::byte> b, std::size_t& pos, std::uint64_t& out) noexcept {
    out = 0;
    for (unsigned shift = 0; shift < 63; shift += 7) {
        if (pos >= b.size()) return false;
        const auto byte = static_cast<std::uint8_t>(b[pos++]);
        out |= std::uint64_t{byte & 0x7fu} << shift;
        if ((byte & 0x80) == 0) return true;
    }
    return false;
}

// A CIDv1 shape check: version 1, a codec, a multihash whose declared length fills the rest.
bool plausible_cid(std::span<const std::byte> cid) noexcept {
    std::size_t pos = 0;
    std::uint64_t version = 0, codec = 0, hash = 0, length = 0;
    if (!read_cid_varint(cid, pos, version) || version != 1) return false;
    if (!read_cid_varint(cid, pos, codec) || !read_cid_varint(cid, pos, hash)) return false;
    if (!read_cid_varint(cid, pos, length)) return false;
    return length == cid.size() - pos;
}

}  // namespace

std::string_view to_string(Kind kind) noexcept {
    switch (kind) {
        case Kind::integer: return "integer";
        case Kind::bytes: return "bytes";
        case Kind::text: return "text";
        case Kind::array: return "array";
        case Kind::map: return "map";
        case Kind::boolean: return "boolean";
        case Kind::null: return "null";
        case Kind::link: return "link";
    }
    return "?";
}

[[gnu::always_inline]] inline Expected<std::uint64_t> Reader::read_argument(std::size_t start, unsigned info) noexcept {
    if (info < 24) return info;
    if (info > 27) return fail(info == 31 ? Errc::indefinite_length : Errc::reserved_additional_info, start);
    const std::size_t size = std::size_t{1} << (info - 24);
    if (in_.size() - pos_ < size) return fail(Errc::truncated, start);
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < size; ++i) value = (value << 8) | static_cast<std::uint8_t>(in_[pos_ + i]);
    pos_ += size;
    static constexpr std::uint64_t minimum[] = {24, 0x100, 0x10000, 0x100000000ULL};
    if (value < minimum[info - 24]) return fail(Errc::non_minimal_encoding, start);
    return value;
}

Expected<void> Reader::read_link(Item& item) noexcept {
    if (pos_ >= in_.size()) return fail(Errc::truncated, item.offset);
    const auto head = static_cast<std::uint8_t>(in_[pos_]);
    if ((head >> 5) != byte_string) return fail(Errc::invalid_link, item.offset);
    ++pos_;
    auto size = read_argument(item.offset, head & 31u);
    if (!size) return tl::unexpected(size.error());
    if (in_.size() - pos_ < *size) return fail(Errc::truncated, item.offset);
    const auto content = in_.subspan(pos_, *size);
    pos_ += *size;
    if (content.empty() || content[0] != std::byte{0}) return fail(Errc::invalid_link, item.offset);
    if (content.size() - 1 > max_cid_size) return fail(Errc::cid_too_long, item.offset);
    if (!plausible_cid(content.subspan(1))) return fail(Errc::invalid_link, item.offset);
    item.kind = Kind::link;
    item.bytes = content.subspan(1);
    return {};
}

// Keys are text, unique, sorted by length then bytes; called for items in a map key position.
[[gnu::always_inline]] inline Expected<void> Reader::check_key(const Item& item) noexcept {
    if (item.kind != Kind::text) return fail(Errc::map_key_not_text, item.offset);
    Frame& f = frames_[depth_ - 1];
    if (f.has_key) {
        const std::size_t size = item.text.size();
        int order = size < f.last_key_size ? -1 : size > f.last_key_size ? 1 : 0;
        if (order == 0) order = std::memcmp(item.text.data(), f.last_key, size);
        if (order == 0) return fail(Errc::duplicate_map_key, item.offset);
        if (order < 0) return fail(Errc::map_keys_out_of_order, item.offset);
    }
    f.last_key = item.text.data();
    f.last_key_size = static_cast<std::uint32_t>(item.text.size());
    f.has_key = true;
    return {};
}

// Updates the container stack after an item head was read.
[[gnu::always_inline]] inline Expected<void> Reader::enter(const Item& item) noexcept {
    if (depth_ > 0) --frames_[depth_ - 1].remaining;
    if (item.kind == Kind::array || item.kind == Kind::map) {
        if (depth_ == max_depth) return fail(Errc::nesting_too_deep, item.offset);
        if (item.count > 0) {
            const bool is_map = item.kind == Kind::map;
            frames_[depth_++] = Frame{is_map ? item.count * 2 : item.count, nullptr, 0, is_map, false};
            return {};
        }
    }
    while (depth_ > 0 && frames_[depth_ - 1].remaining == 0) --depth_;
    return {};
}

Expected<Item> Reader::next() noexcept {
    Item item;
    item.offset = pos_;
    if (pos_ >= in_.size()) return fail(Errc::truncated, pos_);
    const auto head = static_cast<std::uint8_t>(in_[pos_++]);
    const unsigned major = head >> 5;
    const unsigned info = head & 31u;
    if (major == simple) {
        if (info == 20 || info == 21) {
            item.kind = Kind::boolean;
            item.integer = info == 21;
        } else if (info == 22) {
            item.kind = Kind::null;
        } else if (info >= 25 && info <= 27) {
            return fail(Errc::float_not_allowed, item.offset);
        } else if (info == 31) {
            return fail(Errc::indefinite_length, item.offset);
        } else if (info >= 28) {
            return fail(Errc::reserved_additional_info, item.offset);
        } else {
            return fail(Errc::simple_value_not_allowed, item.offset);
        }
    } else {
        auto arg = read_argument(item.offset, info);
        if (!arg) return tl::unexpected(arg.error());
        const std::uint64_t value = *arg;
        const std::size_t left = in_.size() - pos_;
        switch (major) {
            case unsigned_int:
            case negative_int:
                if (value > max_int) return fail(Errc::integer_out_of_range, item.offset);
                item.kind = Kind::integer;
                item.integer = major == unsigned_int ? static_cast<std::int64_t>(value)
                                                     : -1 - static_cast<std::int64_t>(value);
                break;
            case byte_string:
            case text_string:
                if (value > left) return fail(Errc::truncated, item.offset);
                if (major == byte_string) {
                    item.kind = Kind::bytes;
                    item.bytes = in_.subspan(pos_, value);
                } else {
                    item.kind = Kind::text;
                    item.text = std::string_view(reinterpret_cast<const char*>(in_.data() + pos_), value);
                    if (!valid_utf8(item.text)) return fail(Errc::invalid_utf8, item.offset);
                }
                pos_ += value;
                break;
            case array:
            case map:
                if (value > max_container_size) return fail(Errc::container_too_large, item.offset);
                if (value * (major == map ? 2 : 1) > left) return fail(Errc::truncated, item.offset);
                item.kind = major == map ? Kind::map : Kind::array;
                item.count = value;
                break;
            default:  // tag
                if (value != cid_tag) return fail(Errc::tag_not_allowed, item.offset);
                if (auto r = read_link(item); !r) return tl::unexpected(r.error());
                break;
        }
    }
    if (depth_ > 0 && frames_[depth_ - 1].is_map && frames_[depth_ - 1].remaining % 2 == 0) {
        if (auto r = check_key(item); !r) return tl::unexpected(r.error());
    }
    if (auto r = enter(item); !r) return tl::unexpected(r.error());
    return item;
}

Expected<Item> Reader::next(Kind kind) noexcept {
    auto item = next();
    if (item && item->kind != kind) return fail(Errc::unexpected_type, item->offset);
    return item;
}

Expected<void> Reader::skip() noexcept {
    const std::size_t depth = depth_;
    auto item = next();
    if (!item) return tl::unexpected(item.error());
    while (depth_ > depth) {
        if (auto child = next(); !child) return tl::unexpected(child.error());
    }
    return {};
}

Expected<bool> Reader::find_key(std::uint64_t& entries_left, std::string_view key) noexcept {
    while (entries_left > 0) {
        auto k = next();
        if (!k) return tl::unexpected(k.error());
        --entries_left;
        if (k->text == key) return true;
        if (auto r = skip(); !r) return tl::unexpected(r.error());
    }
    return false;
}

Expected<void> Reader::finish() const noexcept {
    if (depth_ > 0) return fail(Errc::truncated, pos_);
    if (pos_ != in_.size()) return fail(Errc::trailing_bytes, pos_);
    return {};
}

Expected<Cid> next_cid(Reader& reader) noexcept {
    auto link = reader.next(Kind::link);
    if (!link) return tl::unexpected(link.error());
    auto cid = Cid::from_binary(link->bytes);
    if (!cid) return fail(Errc::unsupported_cid, link->offset);
    return *cid;
}

Expected<std::optional<Cid>> next_optional_cid(Reader& reader) noexcept {
    auto item = reader.next();
    if (!item) return tl::unexpected(item.error());
    if (item->kind == Kind::null) return std::optional<Cid>{};
    if (item->kind != Kind::link) return fail(Errc::unexpected_type, item->offset);
    auto cid = Cid::from_binary(item->bytes);
    if (!cid) return fail(Errc::unsupported_cid, item->offset);
    return cid;
}

Expected<void> validate(std::span<const std::byte> input) noexcept {
    Reader reader(input);
    if (auto r = reader.skip(); !r) return r;
    return reader.finish();
}

}  // namespace atproto::cbor
