#include "atproto/lexicon/value_checker.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "atproto/lexicon/grapheme.hpp"
#include "atproto/lexicon/json_model.hpp"
#include "atproto/lexicon/string_formats.hpp"

namespace atproto::lexicon::detail {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// lookup of a key that may be absent; simdjson reports NO_SUCH_FIELD
std::optional<element> field(object o, std::string_view key) {
    element e;
    if (o.at_key(key).get(e) != simdjson::SUCCESS) return std::nullopt;
    return e;
}

bool scalar_equals(const Scalar& s, element value) {
    if (const auto* text = std::get_if<std::string>(&s)) {
        std::string_view v;
        return value.get(v) == simdjson::SUCCESS && v == *text;
    }
    if (const auto* flag = std::get_if<bool>(&s)) {
        bool v = false;
        return value.get(v) == simdjson::SUCCESS && v == *flag;
    }
    auto v = safe_integer(value);
    return v && *v == std::get<int64_t>(s);
}

bool mime_accepted(std::string_view mime, const std::vector<std::string>& accept) {
    return std::any_of(accept.begin(), accept.end(), [&](const std::string& pattern) {
        if (pattern == "*/*" || pattern == mime) return true;
        return pattern.ends_with("/*") && mime.starts_with(std::string_view(pattern).substr(0, pattern.size() - 1));
    });
}

// A typed blob ref in strict mode: exactly $type/mimeType/ref/size, a raw-codec CIDv1 ref.
bool is_strict_blob(object o) {
    std::string_view type, mime;
    for (auto f : o) {
        if (f.key != "$type" && f.key != "mimeType" && f.key != "ref" && f.key != "size") return false;
    }
    auto t = field(o, "$type"), m = field(o, "mimeType"), r = field(o, "ref"), s = field(o, "size");
    if (!t || t->get(type) != simdjson::SUCCESS || type != "blob") return false;
    if (!m || m->get(mime) != simdjson::SUCCESS || mime.find('/') == std::string_view::npos) return false;
    auto size = s ? safe_integer(*s) : std::nullopt;
    if (!size || *size < 0 || !r) return false;
    auto link = link_text(*r);
    if (!link) return false;
    auto cid = parse_cid_text(*link);
    return cid && cid->version == 1 && cid->codec == 0x55;
}

}  // namespace

bool ValueChecker::fail(Reason reason, StringFormat format) {
    failure_.outcome = Outcome::invalid;
    failure_.reason = reason;
    failure_.format = format;
    std::string path;
    for (size_t i = 0; i < std::min(depth_, path_.size()); ++i) {
        const Segment& s = path_[i];
        if (s.key.empty()) {
            path += fmt::format("[{}]", s.index);
        } else {
            if (!path.empty()) path += '.';
            path += s.key;
        }
    }
    failure_.path = std::move(path);
    return false;
}

bool ValueChecker::fail_at(std::string_view key, Reason reason) {
    push(Segment{key});
    return fail(reason);
}

void ValueChecker::push(Segment segment) {
    if (depth_ < path_.size()) path_[depth_] = segment;
    ++depth_;
}

bool ValueChecker::check(const Node& node, element value) {
    switch (node.kind) {
        case NodeKind::boolean: return value.is_bool() || fail(Reason::wrong_type);
        case NodeKind::integer: return check_integer(node, value);
        case NodeKind::string: return check_string(node, value);
        case NodeKind::bytes: return check_bytes(node, value);
        case NodeKind::cid_link: return link_text(value).has_value() || fail(Reason::wrong_type);
        case NodeKind::blob: return check_blob(node, value);
        case NodeKind::array: return check_array(node, value);
        case NodeKind::object: return check_object(node, value);
        case NodeKind::ref: return check(*node.target, value);
        case NodeKind::typed_union: return check_union(node, value);
        case NodeKind::unknown: return check_lex_value(value, true);
        case NodeKind::token: {
            std::string_view text;
            if (value.get(text) != simdjson::SUCCESS) return fail(Reason::wrong_type);
            return text == node.type_name || fail(Reason::value_not_allowed);
        }
        case NodeKind::record: return check_record(node, value);
        case NodeKind::literal:
        case NodeKind::enumeration: return check_scalar_choice(node, value);
        case NodeKind::never: return fail(Reason::value_not_allowed);
    }
    return fail(Reason::wrong_type);
}

bool ValueChecker::check_record(const Node& node, element value) {
    object o;
    if (lex_type(value) != LexType::map || value.get(o) != simdjson::SUCCESS) return fail(Reason::wrong_type);
    if (!check_properties(node, o)) return false;
    auto type = field(o, "$type");
    std::string_view text;
    if (!type || type->get(text) != simdjson::SUCCESS || text != node.type_name) {
        return fail_at("$type", Reason::bad_type_field);
    }
    return true;
}

bool ValueChecker::check_object(const Node& node, element value) {
    object o;
    if (lex_type(value) != LexType::map || value.get(o) != simdjson::SUCCESS) return fail(Reason::wrong_type);
    if (!node.type_name.empty()) {
        auto type = field(o, "$type");
        std::string_view text;
        if (type && (type->get(text) != simdjson::SUCCESS || text != node.type_name)) {
            return fail_at("$type", Reason::bad_type_field);
        }
    }
    return check_properties(node, o);
}

bool ValueChecker::check_properties(const Node& node, object o) {
    for (const Property& p : node.properties) {
        auto value = field(o, p.name);
        if (!value) {
            if (p.required) return fail_at(p.name, Reason::missing_required);
            continue;
        }
        if (p.nullable && value->is_null()) continue;
        push(Segment{p.name});
        if (!check(*p.node, *value)) return false;
        pop();
    }
    return true;
}

bool ValueChecker::check_union(const Node& node, element value) {
    object o;
    if (lex_type(value) != LexType::map || value.get(o) != simdjson::SUCCESS) return fail(Reason::wrong_type);
    auto type = field(o, "$type");
    if (!type) return fail(Reason::wrong_type);
    std::string_view text;
    bool is_string = type->get(text) == simdjson::SUCCESS;
    if (is_string) {
        for (const UnionMember& m : node.members) {
            if (m.type == text) return check(*m.node, value);
        }
    }
    if (node.closed) return fail_at("$type", Reason::union_member_not_allowed);
    return is_string || fail_at("$type", Reason::wrong_type);
}

bool ValueChecker::check_array(const Node& node, element value) {
    array a;
    if (value.get(a) != simdjson::SUCCESS) return fail(Reason::wrong_type);
    size_t size = a.size();
    if (node.min_length && size < *node.min_length) return fail(Reason::too_short);
    if (node.max_length && size > *node.max_length) return fail(Reason::too_long);
    size_t index = 0;
    for (element item : a) {
        push(Segment{{}, index++});
        if (!check(*node.items, item)) return false;
        pop();
    }
    return true;
}

bool ValueChecker::check_string(const Node& node, element value) {
    std::string_view text;
    if (value.get(text) != simdjson::SUCCESS) {
        // The reference turns a CID into its string and then refuses the changed value.
        return fail(link_text(value) ? Reason::value_not_allowed : Reason::wrong_type);
    }
    if (node.min_length && text.size() < *node.min_length) return fail(Reason::too_short);
    if (node.max_length && text.size() > *node.max_length) return fail(Reason::too_long);
    // A cluster takes at least one byte, so short strings need no counting.
    if (node.min_graphemes && (text.size() < *node.min_graphemes || count_graphemes(text) < *node.min_graphemes)) {
        return fail(Reason::too_few_graphemes);
    }
    if (node.max_graphemes && text.size() > *node.max_graphemes && count_graphemes(text) > *node.max_graphemes) {
        return fail(Reason::too_many_graphemes);
    }
    return matches_format(node.format, text) || fail(Reason::bad_format, node.format);
}

bool ValueChecker::check_integer(const Node& node, element value) {
    auto v = safe_integer(value);
    if (!v) return fail(Reason::wrong_type);
    if (node.minimum && *v < *node.minimum) return fail(Reason::out_of_range);
    if (node.maximum && *v > *node.maximum) return fail(Reason::out_of_range);
    return true;
}

bool ValueChecker::check_bytes(const Node& node, element value) {
    auto size = bytes_length(value);
    if (!size) return fail(Reason::wrong_type);
    if (node.min_length && *size < *node.min_length) return fail(Reason::too_short);
    if (node.max_length && *size > *node.max_length) return fail(Reason::too_long);
    return true;
}

bool ValueChecker::check_blob(const Node& node, element value) {
    object o;
    if (lex_type(value) != LexType::map || value.get(o) != simdjson::SUCCESS || !is_strict_blob(o)) {
        return fail(Reason::bad_blob);
    }
    std::string_view mime = o["mimeType"].get_string().value_unsafe();
    if (!node.accept.empty() && !mime_accepted(mime, node.accept)) return fail_at("mimeType", Reason::blob_mime_not_accepted);
    auto size = safe_integer(o["size"].value_unsafe());
    if (node.max_size && size && static_cast<uint64_t>(*size) > *node.max_size) return fail(Reason::blob_too_large);
    return true;
}

bool ValueChecker::check_lex_value(element value, bool must_be_map) {
    LexType type = lex_type(value);
    if (must_be_map && type != LexType::map) return fail(Reason::wrong_type);
    if (type == LexType::number) return fail(Reason::wrong_type);
    if (type == LexType::map) {
        for (auto f : object(value)) {
            push(Segment{f.key});
            if (!check_lex_value(f.value, false)) return false;
            pop();
        }
    } else if (type == LexType::array) {
        size_t index = 0;
        for (element item : array(value)) {
            push(Segment{{}, index++});
            if (!check_lex_value(item, false)) return false;
            pop();
        }
    }
    return true;
}

bool ValueChecker::check_scalar_choice(const Node& node, element value) {
    bool found = std::any_of(node.values.begin(), node.values.end(), [&](const Scalar& s) { return scalar_equals(s, value); });
    return found || fail(Reason::value_not_allowed);
}

}  // namespace atproto::lexicon::detail
