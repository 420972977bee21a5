#include "bin/bench/libcbor_baseline.hpp"

#include <charconv>
#include <memory>
#include <string_view>

#include <cbor.h>

#include "atproto/base_encoding.hpp"
#include "atproto/car/block_index.hpp"
#include "atproto/cbor/json.hpp"
#include "atproto/cid.hpp"
#include "atproto/varint.hpp"

namespace bench::libcbor {

namespace {

struct Decref {
    void operator()(cbor_item_t* item) const noexcept { cbor_decref(&item); }
};
using Item = std::unique_ptr<cbor_item_t, Decref>;

Item load(std::span<const std::byte> bytes) {
    cbor_load_result result;
    Item item(cbor_load(reinterpret_cast<cbor_data>(bytes.data()), bytes.size(), &result));
    if (result.error.code != CBOR_ERR_NONE || result.read != bytes.size()) return nullptr;
    return item;
}

std::string_view text_of(const cbor_item_t* item) {
    return {reinterpret_cast<const char*>(cbor_string_handle(item)), cbor_string_length(item)};
}

std::span<const std::byte> bytes_of(const cbor_item_t* item) {
    return {reinterpret_cast<const std::byte*>(cbor_bytestring_handle(item)), cbor_bytestring_length(item)};
}

// Value of `key` in a map item, or nullptr.
cbor_item_t* find(const cbor_item_t* map, std::string_view key) {
    if (!cbor_isa_map(map)) return nullptr;
    const cbor_pair* pairs = cbor_map_handle(map);
    for (std::size_t i = 0; i < cbor_map_size(map); ++i) {
        if (cbor_isa_string(pairs[i].key) && text_of(pairs[i].key) == key) return pairs[i].value;
    }
    return nullptr;
}

std::optional<atproto::Cid> cid_of(const cbor_item_t* item) {
    if (item == nullptr || !cbor_isa_tag(item) || cbor_tag_value(item) != 42) return std::nullopt;
    Item inner(cbor_tag_item(item));
    if (!cbor_isa_bytestring(inner.get())) return std::nullopt;
    return atproto::Cid::from_link(bytes_of(inner.get()));
}

bool walk(const atproto::car::BlockIndex& index, const atproto::Cid& cid, std::size_t& records, int depth) {
    const auto block = index.find(cid);
    if (!block || depth > 130) return false;
    Item node = load(*block);
    if (!node) return false;
    const cbor_item_t* entries = find(node.get(), "e");
    if (entries == nullptr || !cbor_isa_array(entries)) return false;
    if (auto left = cid_of(find(node.get(), "l")); left && !walk(index, *left, records, depth + 1)) return false;
    std::string key;
    for (std::size_t i = 0; i < cbor_array_size(entries); ++i) {
        const cbor_item_t* entry = cbor_array_handle(entries)[i];
        const cbor_item_t* k = find(entry, "k");
        const cbor_item_t* p = find(entry, "p");
        auto value = cid_of(find(entry, "v"));
        if (k == nullptr || p == nullptr || !value || !cbor_isa_bytestring(k)) return false;
        const auto suffix = bytes_of(k);
        key.resize(std::min<std::size_t>(key.size(), cbor_get_int(p)));
        key.append(reinterpret_cast<const char*>(suffix.data()), suffix.size());
        const auto record = index.find(*value);
        if (!record || !load(*record)) return false;
        ++records;
        if (auto tree = cid_of(find(entry, "t")); tree && !walk(index, *tree, records, depth + 1)) return false;
    }
    return true;
}

bool write(const cbor_item_t* item, std::string& out);

bool write_container(const cbor_item_t* item, std::string& out) {
    if (cbor_isa_array(item)) {
        out.push_back('[');
        for (std::size_t i = 0; i < cbor_array_size(item); ++i) {
            if (i > 0) out.push_back(',');
            if (!write(cbor_array_handle(item)[i], out)) return false;
        }
        out.push_back(']');
        return true;
    }
    out.push_back('{');
    const cbor_pair* pairs = cbor_map_handle(item);
    for (std::size_t i = 0; i < cbor_map_size(item); ++i) {
        if (i > 0) out.push_back(',');
        if (!cbor_isa_string(pairs[i].key)) return false;
        atproto::cbor::append_json_string(out, text_of(pairs[i].key));
        out.push_back(':');
        if (!write(pairs[i].value, out)) return false;
    }
    out.push_back('}');
    return true;
}

bool write(const cbor_item_t* item, std::string& out) {
    char buf[24];
    switch (cbor_typeof(item)) {
        case CBOR_TYPE_UINT: out.append(buf, std::to_chars(buf, buf + 24, cbor_get_int(item)).ptr); return true;
        case CBOR_TYPE_NEGINT:
            out.append(buf, std::to_chars(buf, buf + 24, -1 - static_cast<std::int64_t>(cbor_get_int(item))).ptr);
            return true;
        case CBOR_TYPE_STRING: atproto::cbor::append_json_string(out, text_of(item)); return true;
        case CBOR_TYPE_BYTESTRING:
            out.append(R"({"$bytes":")");
            atproto::append_base64(out, bytes_of(item));
            out.append("\"}");
            return true;
        case CBOR_TYPE_TAG: {
            auto cid = cid_of(item);
            if (!cid) return false;
            out.append(R"({"$link":")");
            cid->append_to(out);
            out.append("\"}");
            return true;
        }
        case CBOR_TYPE_ARRAY:
        case CBOR_TYPE_MAP: return write_container(item, out);
        default:
            if (cbor_is_null(item)) {
                out.append("null");
            } else if (cbor_is_bool(item)) {
                out.append(cbor_get_bool(item) ? "true" : "false");
            } else {
                return false;
            }
            return true;
    }
}

}  // namespace

std::optional<std::size_t> decode_repo(std::span<const std::byte> car, bool verify_hashes) {
    std::size_t pos = 0;
    std::uint64_t size = 0;
    if (atproto::read_varint(car, pos, size) != atproto::VarintStatus::ok || size > car.size() - pos) return {};
    Item header = load(car.subspan(pos, size));
    pos += size;
    const cbor_item_t* roots = header ? find(header.get(), "roots") : nullptr;
    if (roots == nullptr || !cbor_isa_array(roots) || cbor_array_size(roots) == 0) return {};
    const auto root = cid_of(cbor_array_handle(roots)[0]);
    if (!root) return {};
    atproto::car::BlockIndex index;
    index.reserve(car.size() / 192);
    while (pos < car.size()) {
        if (atproto::read_varint(car, pos, size) != atproto::VarintStatus::ok || size > car.size() - pos ||
            size < atproto::Cid::binary_size)
            return {};
        const auto section = car.subspan(pos, size);
        pos += size;
        const auto cid = atproto::Cid::from_binary(section.first(atproto::Cid::binary_size));
        const auto data = section.subspan(atproto::Cid::binary_size);
        if (!cid || (verify_hashes && !cid->matches(data))) return {};
        index.insert(*cid, data);
    }
    const auto commit_block = index.find(*root);
    if (!commit_block) return {};
    Item commit = load(*commit_block);
    const auto data = commit ? cid_of(find(commit.get(), "data")) : std::nullopt;
    if (!data) return {};
    std::size_t records = 0;
    if (!walk(index, *data, records, 0)) return {};
    return records;
}

bool to_json(std::span<const std::byte> cbor, std::string& out) {
    Item item = load(cbor);
    return item && write(item.get(), out);
}

}  // namespace bench::libcbor
