#include "atproto/frame/frame.hpp"

#include "atproto/cbor/reader.hpp"

namespace atproto::frame {

namespace {

using cbor::Kind;
using cbor::Reader;

// Field readers: each consumes exactly one value.
Expected<std::string_view> text(Reader& r) {
    auto item = r.next(Kind::text);
    if (!item) return tl::unexpected(item.error());
    return item->text;
}

Expected<std::optional<std::string_view>> optional_text(Reader& r) {
    auto item = r.next();
    if (!item) return tl::unexpected(item.error());
    if (item->kind == Kind::null) return std::optional<std::string_view>{};
    if (item->kind != Kind::text) return fail(Errc::unexpected_type, item->offset);
    return std::optional<std::string_view>{item->text};
}

Expected<std::int64_t> integer(Reader& r) {
    auto item = r.next(Kind::integer);
    if (!item) return tl::unexpected(item.error());
    return item->integer;
}

Expected<bool> boolean(Reader& r) {
    auto item = r.next(Kind::boolean);
    if (!item) return tl::unexpected(item.error());
    return item->integer != 0;
}

Expected<std::span<const std::byte>> bytes(Reader& r) {
    auto item = r.next(Kind::bytes);
    if (!item) return tl::unexpected(item.error());
    return item->bytes;
}

// Walks a map, calling `field(key)` positioned on each value; `field` returns false for keys it
// does not know, which are then skipped.
template <class Field>
Expected<void> read_map(Reader& r, Field&& field) {
    auto head = r.next(Kind::map);
    if (!head) return tl::unexpected(head.error());
    for (std::uint64_t i = 0; i < head->count; ++i) {
        auto key = r.next(Kind::text);
        if (!key) return tl::unexpected(key.error());
        Expected<bool> known = field(key->text);
        if (!known) return tl::unexpected(known.error());
        if (!*known) {
            if (auto skipped = r.skip(); !skipped) return tl::unexpected(skipped.error());
        }
    }
    return {};
}

// Assigns the field reader's value to `out`, turning it into "handled" for read_map.
template <class T, class U>
Expected<bool> into(Expected<T> value, U& out) {
    if (!value) return tl::unexpected(value.error());
    out = std::move(*value);
    return true;
}

Expected<RepoOp> repo_op(Reader& r) {
    RepoOp op;
    auto done = read_map(r, [&](std::string_view key) -> Expected<bool> {
        if (key == "action") return into(text(r), op.action);
        if (key == "path") return into(text(r), op.path);
        if (key == "cid") return into(cbor::next_optional_cid(r), op.cid);
        if (key == "prev") return into(cbor::next_optional_cid(r), op.prev);
        return false;
    });
    if (!done) return tl::unexpected(done.error());
    return op;
}

template <class T, class Element>
Expected<bool> array_of(Reader& r, std::vector<T>& out, Element&& element) {
    auto head = r.next(Kind::array);
    if (!head) return tl::unexpected(head.error());
    out.reserve(head->count);
    for (std::uint64_t i = 0; i < head->count; ++i) {
        auto value = element(r);
        if (!value) return tl::unexpected(value.error());
        out.push_back(std::move(*value));
    }
    return true;
}

Expected<Body> commit(Reader& r) {
    Commit c;
    auto done = read_map(r, [&](std::string_view key) -> Expected<bool> {
        if (key == "seq") return into(integer(r), c.seq);
        if (key == "rebase") return into(boolean(r), c.rebase);
        if (key == "tooBig") return into(boolean(r), c.too_big);
        if (key == "repo") return into(text(r), c.repo);
        if (key == "commit") return into(cbor::next_cid(r), c.commit);
        if (key == "rev") return into(text(r), c.rev);
        if (key == "since") return into(optional_text(r), c.since);
        if (key == "blocks") return into(bytes(r), c.blocks);
        if (key == "ops") return array_of(r, c.ops, repo_op);
        if (key == "prevData") return into(cbor::next_optional_cid(r), c.prev_data);
        if (key == "time") return into(text(r), c.time);
        return false;
    });
    if (!done) return tl::unexpected(done.error());
    if (c.repo.empty() || c.commit.empty()) return fail(Errc::missing_field, 0);
    return Body{std::move(c)};
}

Expected<Body> sync(Reader& r) {
    Sync s;
    auto done = read_map(r, [&](std::string_view key) -> Expected<bool> {
        if (key == "seq") return into(integer(r), s.seq);
        if (key == "did") return into(text(r), s.did);
        if (key == "blocks") return into(bytes(r), s.blocks);
        if (key == "rev") return into(text(r), s.rev);
        if (key == "time") return into(text(r), s.time);
        return false;
    });
    if (!done) return tl::unexpected(done.error());
    if (s.did.empty()) return fail(Errc::missing_field, 0);
    return Body{s};
}

Expected<Body> identity(Reader& r) {
    Identity e;
    auto done = read_map(r, [&](std::string_view key) -> Expected<bool> {
        if (key == "seq") return into(integer(r), e.seq);
        if (key == "did") return into(text(r), e.did);
        if (key == "time") return into(text(r), e.time);
        if (key == "handle") return into(optional_text(r), e.handle);
        return false;
    });
    if (!done) return tl::unexpected(done.error());
    if (e.did.empty()) return fail(Errc::missing_field, 0);
    return Body{e};
}

Expected<Body> account(Reader& r) {
    Account a;
    auto done = read_map(r, [&](std::string_view key) -> Expected<bool> {
        if (key == "seq") return into(integer(r), a.seq);
        if (key == "did") return into(text(r), a.did);
        if (key == "time") return into(text(r), a.time);
        if (key == "active") return into(boolean(r), a.active);
        if (key == "status") return into(optional_text(r), a.status);
        return false;
    });
    if (!done) return tl::unexpected(done.error());
    if (a.did.empty()) return fail(Errc::missing_field, 0);
    return Body{a};
}

Expected<Label> label(Reader& r) {
    Label l;
    auto done = read_map(r, [&](std::string_view key) -> Expected<bool> {
        if (key == "src") return into(text(r), l.src);
        if (key == "uri") return into(text(r), l.uri);
        if (key == "cid") return into(optional_text(r), l.cid);
        if (key == "val") return into(text(r), l.val);
        if (key == "neg") return into(boolean(r), l.neg);
        if (key == "cts") return into(text(r), l.cts);
        if (key == "exp") return into(optional_text(r), l.exp);
        return false;
    });
    if (!done) return tl::unexpected(done.error());
    if (l.src.empty() || l.uri.empty() || l.val.empty()) return fail(Errc::missing_field, 0);
    return l;
}

Expected<Body> labels(Reader& r) {
    Labels l;
    auto done = read_map(r, [&](std::string_view key) -> Expected<bool> {
        if (key == "seq") return into(integer(r), l.seq);
        if (key == "labels") return array_of(r, l.labels, label);
        return false;
    });
    if (!done) return tl::unexpected(done.error());
    return Body{std::move(l)};
}

Expected<Body> info(Reader& r) {
    Info i;
    auto done = read_map(r, [&](std::string_view key) -> Expected<bool> {
        if (key == "name") return into(text(r), i.name);
        if (key == "message") return into(optional_text(r), i.message);
        return false;
    });
    if (!done) return tl::unexpected(done.error());
    return Body{i};
}

Expected<Body> error_frame(Reader& r) {
    ErrorFrame e;
    auto done = read_map(r, [&](std::string_view key) -> Expected<bool> {
        if (key == "error") return into(text(r), e.error);
        if (key == "message") return into(optional_text(r), e.message);
        return false;
    });
    if (!done) return tl::unexpected(done.error());
    return Body{e};
}

Expected<Body> body(Reader& r, std::int64_t op, std::string_view type) {
    if (op == -1) return error_frame(r);
    if (type == "#commit") return commit(r);
    if (type == "#sync") return sync(r);
    if (type == "#identity") return identity(r);
    if (type == "#account") return account(r);
    if (type == "#labels") return labels(r);
    if (type == "#info") return info(r);
    if (auto skipped = r.skip(); !skipped) return tl::unexpected(skipped.error());
    return Body{Unknown{type}};
}

}  // namespace

Expected<Frame> decode_frame(std::span<const std::byte> bytes) {
    Reader r(bytes);
    Frame frame;
    auto header = read_map(r, [&](std::string_view key) -> Expected<bool> {
        if (key == "op") return into(integer(r), frame.op);
        if (key == "t") return into(text(r), frame.type);
        return false;
    });
    if (!header) return tl::unexpected(header.error());
    if (frame.op != 1 && frame.op != -1) return fail(Errc::unexpected_type, 0);
    auto parsed = body(r, frame.op, frame.type);
    if (!parsed) return tl::unexpected(parsed.error());
    if (auto end = r.finish(); !end) return tl::unexpected(end.error());
    frame.body = std::move(*parsed);
    return frame;
}

std::optional<std::int64_t> seq_of(const Frame& frame) noexcept {
    return std::visit(
        [](const auto& b) -> std::optional<std::int64_t> {
            if constexpr (requires { b.seq; }) return b.seq;
            else return std::nullopt;
        },
        frame.body);
}

}  // namespace atproto::frame
