#include "atproto/lexicon/json_model.hpp"

#include <cmath>

#include "atproto/lexicon/string_formats.hpp"

namespace atproto::lexicon::detail {
namespace {

constexpr int64_t max_safe_integer = 9007199254740991;  // 2^53 - 1

// The string of a one-key object {key: "…"}.
std::optional<std::string_view> sole_string(simdjson::dom::element value, std::string_view key) {
    simdjson::dom::object object;
    if (value.get(object) != simdjson::SUCCESS || object.size() != 1) return std::nullopt;
    auto field = *object.begin();
    std::string_view text;
    if (field.key != key || field.value.get(text) != simdjson::SUCCESS) return std::nullopt;
    return text;
}

}  // namespace

std::optional<std::string_view> link_text(simdjson::dom::element value) {
    auto text = sole_string(value, "$link");
    if (!text || !is_cid(*text)) return std::nullopt;
    return text;
}

std::optional<uint64_t> bytes_length(simdjson::dom::element value) {
    auto text = sole_string(value, "$bytes");
    if (!text) return std::nullopt;
    return base64_decoded_size(*text);
}

LexType lex_type(simdjson::dom::element value) {
    using simdjson::dom::element_type;
    switch (value.type()) {
        case element_type::NULL_VALUE: return LexType::null;
        case element_type::BOOL: return LexType::boolean;
        case element_type::INT64:
        case element_type::UINT64: return LexType::integer;
        case element_type::DOUBLE: {
            double d = value.get_double().value_unsafe();
            return std::isfinite(d) && std::trunc(d) == d ? LexType::integer : LexType::number;
        }
        case element_type::STRING: return LexType::string;
        case element_type::ARRAY: return LexType::array;
        case element_type::OBJECT:
            if (link_text(value)) return LexType::cid;
            if (bytes_length(value)) return LexType::bytes;
            return LexType::map;
    }
    return LexType::null;
}

std::optional<int64_t> safe_integer(simdjson::dom::element value) {
    using simdjson::dom::element_type;
    switch (value.type()) {
        case element_type::INT64: {
            int64_t v = value.get_int64().value_unsafe();
            if (v > max_safe_integer || v < -max_safe_integer) return std::nullopt;
            return v;
        }
        case element_type::UINT64: return std::nullopt;  // simdjson uses it only above INT64_MAX
        case element_type::DOUBLE: {
            double d = value.get_double().value_unsafe();
            if (!std::isfinite(d) || std::trunc(d) != d || std::fabs(d) > static_cast<double>(max_safe_integer)) {
                return std::nullopt;
            }
            return static_cast<int64_t>(d);
        }
        default: return std::nullopt;
    }
}

}  // namespace atproto::lexicon::detail
