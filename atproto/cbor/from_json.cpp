#include "atproto/cbor/from_json.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include <simdjson.h>

#include "atproto/base_encoding.hpp"
#include "atproto/cbor/item.hpp"
#include "atproto/cbor/writer.hpp"

namespace atproto::cbor {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

constexpr std::string_view blob_type = "blob";

// The one string member `key` of a {"$link"|"$bytes": …} object, or nullopt when malformed.
std::optional<std::string_view> sole_string(object obj, std::string_view key) {
    std::string_view value;
    if (obj.size() != 1 || obj.at_key(key).get(value) != simdjson::SUCCESS) return std::nullopt;
    return value;
}

class Encoder {
public:
    explicit Encoder(std::vector<std::byte>& out) : writer_(out) {}

    Expected<void> value(element e, std::size_t depth);

private:
    Expected<void> number(element e);
    Expected<void> map(object obj, std::size_t depth);
    Expected<void> check_special(object obj);

    Writer writer_;
};

Expected<void> Encoder::number(element e) {
    std::int64_t i = 0;
    if (e.get(i) == simdjson::SUCCESS) {
        writer_.integer(i);
        return {};
    }
    if (e.type() == element_type::UINT64) return fail(Errc::integer_out_of_range, 0);
    // JSON has one number type: 123.0 is the integer 123; anything fractional is a float.
    const double d = e.get_double().value_unsafe();
    if (std::trunc(d) != d || !std::isfinite(d)) return fail(Errc::float_not_allowed, 0);
    if (d < -9223372036854775808.0 || d >= 9223372036854775808.0) return fail(Errc::integer_out_of_range, 0);
    writer_.integer(static_cast<std::int64_t>(d));
    return {};
}

// $type must be a non-empty string; a blob needs a $link ref, a string mimeType and an integer size.
Expected<void> Encoder::check_special(object obj) {
    element type;
    if (obj.at_key("$type").get(type) != simdjson::SUCCESS) return {};
    std::string_view name;
    if (type.get(name) != simdjson::SUCCESS || name.empty()) return fail(Errc::invalid_type_field, 0);
    if (name != blob_type) return {};
    object ref;
    std::string_view mime;
    std::int64_t size = 0;
    if (obj.at_key("ref").get(ref) != simdjson::SUCCESS || !sole_string(ref, "$link") ||
        obj.at_key("mimeType").get(mime) != simdjson::SUCCESS || obj.at_key("size").get(size) != simdjson::SUCCESS) {
        return fail(Errc::invalid_blob, 0);
    }
    return {};
}

Expected<void> Encoder::map(object obj, std::size_t depth) {
    element member;
    if (obj.at_key("$link").get(member) == simdjson::SUCCESS) {
        const auto text = sole_string(obj, "$link");
        if (!text) return fail(Errc::invalid_link, 0);
        const auto cid = Cid::from_string(*text);
        if (!cid) return fail(Errc::invalid_cid_string, 0);
        writer_.link(*cid);
        return {};
    }
    if (obj.at_key("$bytes").get(member) == simdjson::SUCCESS) {
        const auto text = sole_string(obj, "$bytes");
        const auto bytes = text ? decode_base64(*text) : std::nullopt;
        if (!bytes) return fail(Errc::invalid_bytes, 0);
        writer_.bytes(*bytes);
        return {};
    }
    if (auto r = check_special(obj); !r) return r;
    std::vector<std::pair<std::string_view, element>> members;
    for (auto [key, value] : obj) members.emplace_back(key, value);
    if (members.size() > max_container_size) return fail(Errc::container_too_large, 0);
    std::sort(members.begin(), members.end(), [](const auto& a, const auto& b) {
        return a.first.size() != b.first.size() ? a.first.size() < b.first.size() : a.first < b.first;
    });
    const auto same_key = [](const auto& a, const auto& b) { return a.first == b.first; };
    if (std::adjacent_find(members.begin(), members.end(), same_key) != members.end()) {
        return fail(Errc::duplicate_map_key, 0);
    }
    writer_.map_head(members.size());
    for (const auto& [key, value] : members) {
        writer_.text(key);
        if (auto r = this->value(value, depth + 1); !r) return r;
    }
    return {};
}

Expected<void> Encoder::value(element e, std::size_t depth) {
    switch (e.type()) {
        case element_type::OBJECT:
            if (depth >= max_depth) return fail(Errc::nesting_too_deep, 0);
            return map(e.get_object().value_unsafe(), depth);
        case element_type::ARRAY: {
            if (depth >= max_depth) return fail(Errc::nesting_too_deep, 0);
            const auto items = e.get_array().value_unsafe();
            if (items.size() > max_container_size) return fail(Errc::container_too_large, 0);
            writer_.array_head(items.size());
            for (element item : items) {
                if (auto r = value(item, depth + 1); !r) return r;
            }
            return {};
        }
        case element_type::STRING: writer_.text(e.get_string().value_unsafe()); return {};
        case element_type::BOOL: writer_.boolean(e.get_bool().value_unsafe()); return {};
        case element_type::NULL_VALUE: writer_.null(); return {};
        case element_type::INT64:
        case element_type::UINT64:
        case element_type::DOUBLE: return number(e);
    }
    return fail(Errc::invalid_json, 0);
}

}  // namespace

struct JsonEncoder::State {
    simdjson::dom::parser parser;
};

JsonEncoder::JsonEncoder() : state_(std::make_unique<State>()) {}
JsonEncoder::~JsonEncoder() = default;
JsonEncoder::JsonEncoder(JsonEncoder&&) noexcept = default;
JsonEncoder& JsonEncoder::operator=(JsonEncoder&&) noexcept = default;

Expected<void> JsonEncoder::encode(std::string_view json, std::vector<std::byte>& out) {
    element root;
    if (state_->parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
        return fail(Errc::invalid_json, 0);
    }
    if (root.type() != element_type::OBJECT) return fail(Errc::unexpected_type, 0);
    const std::size_t before = out.size();
    Encoder encoder(out);
    auto result = encoder.value(root, 0);
    if (!result) out.resize(before);
    return result;
}

}  // namespace atproto::cbor
