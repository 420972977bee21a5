#include "atproto/repo/commit.hpp"

#include "atproto/cbor/reader.hpp"
#include "atproto/cbor/writer.hpp"

namespace atproto::repo {

namespace {

// Reads the value of one known commit field into `c`; unknown fields are skipped.
Expected<void> read_field(cbor::Reader& reader, std::string_view key, Commit& c, unsigned& seen) {
    if (key != "did" && key != "version" && key != "sig" && key != "rev" && key != "data" && key != "prev")
        return reader.skip();
    auto value = reader.next();
    if (!value) return tl::unexpected(value.error());
    using cbor::Kind;
    auto expect = [&](Kind kind, unsigned bit) -> Expected<void> {
        if (value->kind != kind) return fail(Errc::unexpected_type, value->offset);
        seen |= bit;
        return {};
    };
    if (key == "did") return expect(Kind::text, 1).map([&] { c.did = value->text; });
    if (key == "version") return expect(Kind::integer, 2).map([&] { c.version = value->integer; });
    if (key == "sig") return expect(Kind::bytes, 4).map([&] { c.sig = value->bytes; });
    if (key == "rev") {
        if (value->kind == Kind::null) return {};
        return expect(Kind::text, 8).map([&] { c.rev = value->text; });
    }
    if (key == "data" || key == "prev") {
        if (key == "prev" && value->kind == Kind::null) return {};
        if (value->kind != Kind::link) return fail(Errc::unexpected_type, value->offset);
        auto cid = Cid::from_binary(value->bytes);
        if (!cid) return fail(Errc::unsupported_cid, value->offset);
        if (key == "data") {
            c.data = *cid;
            seen |= 16;
        } else {
            c.prev = *cid;
        }
    }
    return {};
}

}  // namespace

Expected<Commit> decode_commit(std::span<const std::byte> block) {
    cbor::Reader reader(block);
    auto map = reader.next(cbor::Kind::map);
    if (!map) return tl::unexpected(map.error());
    Commit commit;
    unsigned seen = 0;
    for (std::uint64_t i = 0; i < map->count; ++i) {
        auto key = reader.next();
        if (!key) return tl::unexpected(key.error());
        if (auto r = read_field(reader, key->text, commit, seen); !r) return tl::unexpected(r.error());
    }
    if (auto r = reader.finish(); !r) return tl::unexpected(r.error());
    if ((seen & (1 | 2 | 4 | 16)) != (1 | 2 | 4 | 16)) return fail(Errc::missing_field, 0);
    if (commit.version != 2 && commit.version != 3) return fail(Errc::unsupported_commit_version, 0);
    if (commit.version == 3 && commit.rev.empty()) return fail(Errc::missing_field, 0);
    return commit;
}

Expected<void> unsigned_commit(std::span<const std::byte> block, std::vector<std::byte>& out) {
    cbor::Reader reader(block);
    auto map = reader.next(cbor::Kind::map);
    if (!map) return tl::unexpected(map.error());
    const std::size_t start = out.size();
    cbor::Writer writer(out);
    bool has_sig = false;
    std::size_t entry_start = reader.offset();
    std::vector<std::byte> entries;
    for (std::uint64_t i = 0; i < map->count; ++i) {
        auto key = reader.next();
        if (!key) return tl::unexpected(key.error());
        if (auto r = reader.skip(); !r) return tl::unexpected(r.error());
        if (key->text == "sig") {
            has_sig = true;
        } else {
            const auto entry = block.subspan(entry_start, reader.offset() - entry_start);
            entries.insert(entries.end(), entry.begin(), entry.end());
        }
        entry_start = reader.offset();
    }
    if (auto r = reader.finish(); !r) return tl::unexpected(r.error());
    if (!has_sig) return fail(Errc::missing_field, 0);
    out.resize(start);
    writer.map_head(map->count - 1);
    writer.raw(entries);
    return {};
}

std::vector<std::byte> encode_commit(std::string_view did, std::string_view rev, const Cid& data,
                                     std::span<const std::byte> sig) {
    std::vector<std::byte> out;
    cbor::Writer w(out);
    // Keys in DAG-CBOR order: shorter first, then bytewise.
    w.map_head(sig.empty() ? 5 : 6);
    w.text("did");
    w.text(did);
    w.text("rev");
    w.text(rev);
    if (!sig.empty()) {
        w.text("sig");
        w.bytes(sig);
    }
    w.text("data");
    w.link(data);
    w.text("prev");
    w.null();
    w.text("version");
    w.integer(3);
    return out;
}

}  // namespace atproto::repo
