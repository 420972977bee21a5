#include "indexer/backfill_item.hpp"

#include <string>
#include <string_view>

namespace indexer {

namespace {

using stages::classify::OpKind;

constexpr std::byte version{2};  // 2: set_based and the references SetGroup reads

void put_number(std::vector<std::byte>& out, std::uint64_t value, std::size_t bytes) {
    for (std::size_t i = bytes; i-- > 0;) out.push_back(static_cast<std::byte>(value >> (8 * i)));
}

void put_text(std::vector<std::byte>& out, std::string_view text) {
    put_number(out, text.size(), 4);
    const auto* data = reinterpret_cast<const std::byte*>(text.data());
    out.insert(out.end(), data, data + text.size());
}

void put_optional(std::vector<std::byte>& out, const std::optional<std::string>& text) {
    out.push_back(std::byte{text.has_value()});
    if (text) put_text(out, *text);
}

// Reads big-endian integers and length-prefixed strings; any overrun sets `bad`.
struct Reader {
    std::span<const std::byte> in;
    bool bad = false;

    std::uint64_t number(std::size_t bytes) {
        if (in.size() < bytes) {
            bad = true;
            return 0;
        }
        std::uint64_t value = 0;
        for (std::size_t i = 0; i < bytes; ++i) value = (value << 8) | std::to_integer<std::uint64_t>(in[i]);
        in = in.subspan(bytes);
        return value;
    }
    std::string text() {
        const auto size = number(4);
        if (bad || in.size() < size) {
            bad = true;
            return {};
        }
        std::string out(reinterpret_cast<const char*>(in.data()), size);
        in = in.subspan(size);
        return out;
    }
    std::optional<std::string> optional_text() {
        const auto flag = number(1);
        if (flag > 1) bad = true;
        if (flag != 1 || bad) return std::nullopt;
        return text();
    }
};

}  // namespace

std::vector<std::byte> BackfillItemCodec::encode(const BackfillItem& item) const {
    const auto& op = item.op;
    std::vector<std::byte> out;
    out.reserve(40 + op.did.size() + op.uri.size() + op.cid.size() + op.json.size());
    out.push_back(version);
    put_number(out, item.stream, 8);
    put_number(out, static_cast<std::uint64_t>(op.kind), 1);
    put_number(out, static_cast<std::uint64_t>(op.seq), 8);
    for (const auto* text : {&op.did, &op.uri, &op.cid, &op.rev, &op.time, &op.json}) put_text(out, *text);
    put_optional(out, op.created_at);
    put_optional(out, op.extra);
    put_number(out, op.set_based ? 1 : 0, 1);
    for (const auto* text : {&op.subject, &op.reply_parent, &op.reply_root}) put_text(out, *text);
    return out;
}

std::optional<BackfillItem> BackfillItemCodec::decode(std::span<const std::byte> bytes) const {
    Reader r{bytes};
    if (r.number(1) != std::to_integer<std::uint64_t>(version)) return std::nullopt;
    BackfillItem item;
    item.stream = r.number(8);
    const auto kind = r.number(1);
    if (kind > static_cast<std::uint64_t>(OpKind::repo_status)) return std::nullopt;
    auto& op = item.op;
    op.kind = static_cast<OpKind>(kind);
    op.seq = static_cast<std::int64_t>(r.number(8));
    for (auto* text : {&op.did, &op.uri, &op.cid, &op.rev, &op.time, &op.json}) *text = r.text();
    op.created_at = r.optional_text();
    op.extra = r.optional_text();
    const auto set_based = r.number(1);
    if (set_based > 1) return std::nullopt;
    op.set_based = set_based == 1;
    for (auto* text : {&op.subject, &op.reply_parent, &op.reply_root}) *text = r.text();
    if (r.bad || !r.in.empty()) return std::nullopt;
    return item;
}

}  // namespace indexer
