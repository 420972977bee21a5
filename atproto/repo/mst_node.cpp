#include "atproto/repo/mst_node.hpp"

#include <algorithm>
#include <bit>

#include "atproto/cbor/reader.hpp"
#include "atproto/cbor/writer.hpp"

namespace atproto::repo {

namespace {

// Entry map keys in canonical order: k, p, t, v (all four required).
Expected<void> decode_entry(cbor::Reader& reader, MstEntry& entry) {
    auto map = reader.next(cbor::Kind::map);
    if (!map) return tl::unexpected(map.error());
    if (map->count != 4) return fail(Errc::bad_mst_node, map->offset);
    static constexpr std::string_view keys[] = {"k", "p", "t", "v"};
    for (std::string_view expected : keys) {
        auto key = reader.next();
        if (!key) return tl::unexpected(key.error());
        if (key->text != expected) return fail(Errc::bad_mst_node, key->offset);
        if (expected == "k") {
            auto k = reader.next(cbor::Kind::bytes);
            if (!k) return tl::unexpected(k.error());
            entry.key_suffix = k->bytes;
        } else if (expected == "p") {
            auto p = reader.next(cbor::Kind::integer);
            if (!p) return tl::unexpected(p.error());
            if (p->integer < 0) return fail(Errc::bad_mst_node, p->offset);
            entry.prefix_size = static_cast<std::uint64_t>(p->integer);
        } else if (expected == "t") {
            auto t = cbor::next_optional_cid(reader);
            if (!t) return tl::unexpected(t.error());
            entry.tree = *t;
        } else {
            auto v = cbor::next_cid(reader);
            if (!v) return tl::unexpected(v.error());
            entry.value = *v;
        }
    }
    return {};
}

}  // namespace

Expected<void> decode_mst_node(std::span<const std::byte> block, MstNode& out) {
    out.left.reset();
    out.entries.clear();
    cbor::Reader reader(block);
    auto map = reader.next(cbor::Kind::map);
    if (!map) return tl::unexpected(map.error());
    bool have_entries = false;
    for (std::uint64_t i = 0; i < map->count; ++i) {
        auto key = reader.next();
        if (!key) return tl::unexpected(key.error());
        if (key->text == "e") {
            auto entries = reader.next(cbor::Kind::array);
            if (!entries) return tl::unexpected(entries.error());
            out.entries.resize(entries->count);
            for (MstEntry& entry : out.entries) {
                if (auto r = decode_entry(reader, entry); !r) return r;
            }
            have_entries = true;
        } else if (key->text == "l") {
            auto left = cbor::next_optional_cid(reader);
            if (!left) return tl::unexpected(left.error());
            out.left = *left;
        } else {
            return fail(Errc::bad_mst_node, key->offset);
        }
    }
    if (!have_entries) return fail(Errc::bad_mst_node, 0);
    return reader.finish();
}

void encode_mst_node(const MstNode& node, std::vector<std::byte>& out) {
    cbor::Writer writer(out);
    const auto optional_link = [&writer](const std::optional<Cid>& cid) {
        if (cid) {
            writer.link(*cid);
        } else {
            writer.null();
        }
    };
    writer.map_head(2);
    writer.text("e");
    writer.array_head(node.entries.size());
    for (const MstEntry& entry : node.entries) {
        writer.map_head(4);
        writer.text("k");
        writer.bytes(entry.key_suffix);
        writer.text("p");
        writer.integer(static_cast<std::int64_t>(entry.prefix_size));
        writer.text("t");
        optional_link(entry.tree);
        writer.text("v");
        writer.link(entry.value);
    }
    writer.text("l");
    optional_link(node.left);
}

unsigned key_height(std::string_view key) {
    const Digest digest = sha256(std::as_bytes(std::span(key.data(), key.size())));
    unsigned zeros = 0;
    for (std::byte b : digest) {
        const auto v = static_cast<std::uint8_t>(b);
        zeros += static_cast<unsigned>(std::countl_zero(v));
        if (v != 0) break;
    }
    return zeros / 2;
}

std::size_t common_prefix_size(std::string_view a, std::string_view b) noexcept {
    const auto end = std::mismatch(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(std::min(a.size(), b.size())),
                                   b.begin());
    return static_cast<std::size_t>(end.first - a.begin());
}

}  // namespace atproto::repo
