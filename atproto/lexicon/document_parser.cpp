#include "atproto/lexicon/document_parser.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <simdjson.h>

#include "atproto/lexicon/string_formats.hpp"

namespace atproto::lexicon::detail {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;
using common::fail;
using common::Result;

// Builds Nodes for the defs of one document; `where` names the def for error messages.
class DefCompiler {
public:
    DefCompiler(std::string_view id, SchemaSet& set) : id_(id), set_(set) {}

    Result<void> top_level(std::string_view name, element def);

private:
    Result<Node*> contained(element def, const std::string& where);
    Result<void> object_body(object def, Node& node, const std::string& where);
    Result<void> string_def(object def, Node& node, const std::string& where);
    Result<void> integer_def(object def, Node& node);
    Result<void> boolean_def(object def, Node& node);
    Result<void> constrain(object def, Node& node, std::string_view min_key, std::string_view max_key);
    Result<void> define(const std::string& name, const Node* node);
    std::string absolute(std::string_view ref) const;
    std::string type_name(std::string_view name) const;

    std::string_view id_;
    SchemaSet& set_;
};

std::string_view type_of(object def) {
    std::string_view type;
    if (def["type"].get(type) != simdjson::SUCCESS) return {};
    return type;
}

std::optional<uint64_t> unsigned_field(object def, std::string_view key) {
    int64_t v = 0;
    if (def[key].get(v) != simdjson::SUCCESS || v < 0) return std::nullopt;
    return static_cast<uint64_t>(v);
}

// `const` wins over `enum`, as in lex-builder; an empty or contradicting set matches nothing.
bool apply_const_enum(object def, Node& node, const auto& read) {
    element constant;
    array choices;
    bool has_const = def["const"].get(constant) == simdjson::SUCCESS;
    bool has_enum = def["enum"].get(choices) == simdjson::SUCCESS;
    if (!has_const && !has_enum) return false;
    std::vector<Scalar> enum_values;
    if (has_enum) {
        for (element e : choices) {
            if (auto v = read(e)) enum_values.push_back(*v);
        }
    }
    if (has_const) {
        auto v = read(constant);
        bool listed = !has_enum || (v && std::find(enum_values.begin(), enum_values.end(), *v) != enum_values.end());
        node.kind = v && listed ? NodeKind::literal : NodeKind::never;
        if (v) node.values = {*v};
        return true;
    }
    node.values = std::move(enum_values);
    node.kind = node.values.empty() ? NodeKind::never
              : node.values.size() == 1 ? NodeKind::literal : NodeKind::enumeration;
    return true;
}

}  // namespace

Result<void> DefCompiler::define(const std::string& name, const Node* node) {
    if (!set_.add_definition(name, node)) return fail(fmt::format("{}: defined twice", name));
    return {};
}

std::string DefCompiler::absolute(std::string_view ref) const {
    if (ref.starts_with('#')) return ref == "#main" ? std::string(id_) : fmt::format("{}{}", id_, ref);
    if (ref.ends_with("#main")) return std::string(ref.substr(0, ref.size() - 5));
    return std::string(ref);
}

std::string DefCompiler::type_name(std::string_view name) const {
    return name == "main" ? std::string(id_) : fmt::format("{}#{}", id_, name);
}

Result<void> DefCompiler::top_level(std::string_view name, element value) {
    object def;
    std::string where = type_name(name);
    if (value.get(def) != simdjson::SUCCESS) return fail(fmt::format("{}: definition is not an object", where));
    std::string_view type = type_of(def);
    if (type == "record" || type == "query" || type == "procedure" || type == "subscription" ||
        type == "permission-set") {
        if (name != "main") return fail(fmt::format("{}: a {} must be the main definition", where, type));
        if (type != "record") return {};
        Node& node = set_.add_node();
        node.kind = NodeKind::record;
        node.type_name = where;
        std::string_view key = "any";
        if (def["key"].error() == simdjson::SUCCESS && def["key"].get(key) != simdjson::SUCCESS) {
            return fail(fmt::format("{}: record key is not a string", where));
        }
        node.record_key = key;
        object body;
        if (def["record"].get(body) != simdjson::SUCCESS || type_of(body) != "object") {
            return fail(fmt::format("{}: record must have an object schema", where));
        }
        if (auto r = object_body(body, node, where); !r) return r;
        return define(where, &node);
    }
    if (type == "token") {
        Node& node = set_.add_node();
        node.kind = NodeKind::token;
        node.type_name = where;
        return define(where, &node);
    }
    if (type == "ref" || type == "union" || type == "unknown") {
        return fail(fmt::format("{}: type {} cannot be a named definition", where, type));
    }
    auto node = contained(value, where);
    if (!node) return tl::unexpected(node.error());
    if (type == "object") (*node)->type_name = where;
    return define(where, *node);
}

Result<Node*> DefCompiler::contained(element value, const std::string& where) {
    object def;
    if (value.get(def) != simdjson::SUCCESS) return fail(fmt::format("{}: schema is not an object", where));
    std::string_view type = type_of(def);
    Node& node = set_.add_node();
    Result<void> r;
    if (type == "boolean") {
        r = boolean_def(def, node);
    } else if (type == "integer") {
        r = integer_def(def, node);
    } else if (type == "string") {
        r = string_def(def, node, where);
    } else if (type == "bytes") {
        node.kind = NodeKind::bytes;
        r = constrain(def, node, "minLength", "maxLength");
    } else if (type == "cid-link") {
        node.kind = NodeKind::cid_link;
    } else if (type == "unknown") {
        node.kind = NodeKind::unknown;
    } else if (type == "blob") {
        node.kind = NodeKind::blob;
        node.max_size = unsigned_field(def, "maxSize");
        array accept;
        if (def["accept"].get(accept) == simdjson::SUCCESS) {
            for (element e : accept) {
                std::string_view mime;
                if (e.get(mime) != simdjson::SUCCESS) return fail(fmt::format("{}: accept entry is not a string", where));
                node.accept.emplace_back(mime);
            }
        }
    } else if (type == "array") {
        node.kind = NodeKind::array;
        element items;
        if (def["items"].get(items) != simdjson::SUCCESS) return fail(fmt::format("{}: array without items", where));
        auto item = contained(items, where + "[]");
        if (!item) return tl::unexpected(item.error());
        node.items = *item;
        r = constrain(def, node, "minLength", "maxLength");
    } else if (type == "object") {
        node.kind = NodeKind::object;
        r = object_body(def, node, where);
    } else if (type == "ref") {
        std::string_view ref;
        if (def["ref"].get(ref) != simdjson::SUCCESS || ref.empty()) return fail(fmt::format("{}: ref without target", where));
        node.kind = NodeKind::ref;
        node.ref = absolute(ref);
    } else if (type == "union") {
        array refs;
        if (def["refs"].get(refs) != simdjson::SUCCESS) return fail(fmt::format("{}: union without refs", where));
        if (def["closed"].error() == simdjson::SUCCESS && def["closed"].get(node.closed) != simdjson::SUCCESS) {
            return fail(fmt::format("{}: closed is not a boolean", where));
        }
        for (element e : refs) {
            std::string_view ref;
            if (e.get(ref) != simdjson::SUCCESS) return fail(fmt::format("{}: union ref is not a string", where));
            node.members.push_back(UnionMember{absolute(ref), nullptr});
        }
        node.kind = node.members.empty() && node.closed ? NodeKind::never : NodeKind::typed_union;
    } else {
        return fail(fmt::format("{}: unsupported type '{}'", where, type));
    }
    if (!r) return tl::unexpected(r.error());
    return &node;
}

Result<void> DefCompiler::object_body(object def, Node& node, const std::string& where) {
    object props;
    if (def["properties"].error() == simdjson::SUCCESS && def["properties"].get(props) != simdjson::SUCCESS) {
        return fail(fmt::format("{}: properties is not an object", where));
    }
    if (def["properties"].error() == simdjson::SUCCESS) {
        for (auto field : props) {
            auto child = contained(field.value, fmt::format("{}.{}", where, field.key));
            if (!child) return tl::unexpected(child.error());
            node.properties.push_back(Property{std::string(field.key), *child, false, false});
        }
    }
    for (std::string_view list : {"required", "nullable"}) {
        array names;
        if (def[list].get(names) != simdjson::SUCCESS) continue;
        for (element e : names) {
            std::string_view name;
            if (e.get(name) != simdjson::SUCCESS) return fail(fmt::format("{}: {} entry is not a string", where, list));
            auto it = std::find_if(node.properties.begin(), node.properties.end(),
                                   [&](const Property& p) { return p.name == name; });
            if (it == node.properties.end()) return fail(fmt::format("{}: {} names unknown property '{}'", where, list, name));
            (list == "required" ? it->required : it->nullable) = true;
        }
    }
    return {};
}

Result<void> DefCompiler::string_def(object def, Node& node, const std::string& where) {
    node.kind = NodeKind::string;
    auto read = [](element e) -> std::optional<Scalar> {
        std::string_view s;
        if (e.get(s) != simdjson::SUCCESS) return std::nullopt;
        return Scalar(std::string(s));
    };
    if (apply_const_enum(def, node, read)) return {};
    std::string_view format;
    if (def["format"].get(format) == simdjson::SUCCESS) {
        auto f = string_format_from_name(format);
        if (!f) return fail(fmt::format("{}: unknown string format '{}'", where, format));
        node.format = *f;
    }
    node.min_graphemes = unsigned_field(def, "minGraphemes");
    node.max_graphemes = unsigned_field(def, "maxGraphemes");
    return constrain(def, node, "minLength", "maxLength");
}

Result<void> DefCompiler::integer_def(object def, Node& node) {
    node.kind = NodeKind::integer;
    auto read = [](element e) -> std::optional<Scalar> {
        int64_t v = 0;
        if (e.get(v) != simdjson::SUCCESS) return std::nullopt;
        return Scalar(v);
    };
    if (apply_const_enum(def, node, read)) return {};
    int64_t v = 0;
    if (def["minimum"].get(v) == simdjson::SUCCESS) node.minimum = v;
    if (def["maximum"].get(v) == simdjson::SUCCESS) node.maximum = v;
    return {};
}

Result<void> DefCompiler::boolean_def(object def, Node& node) {
    node.kind = NodeKind::boolean;
    auto read = [](element e) -> std::optional<Scalar> {
        bool v = false;
        if (e.get(v) != simdjson::SUCCESS) return std::nullopt;
        return Scalar(v);
    };
    apply_const_enum(def, node, read);
    return {};
}

Result<void> DefCompiler::constrain(object def, Node& node, std::string_view min_key, std::string_view max_key) {
    node.min_length = unsigned_field(def, min_key);
    node.max_length = unsigned_field(def, max_key);
    return {};
}

Result<void> parse_document(std::string_view json, SchemaSet& into) {
    simdjson::dom::parser parser;
    element doc;
    if (parser.parse(json.data(), json.size()).get(doc) != simdjson::SUCCESS) return fail("document is not valid JSON");
    int64_t version = 0;
    if (doc["lexicon"].get(version) != simdjson::SUCCESS || version != 1) return fail("lexicon version must be 1");
    std::string_view id;
    if (doc["id"].get(id) != simdjson::SUCCESS) return fail("id must be a string");
    if (!is_nsid(id)) return fail(fmt::format("id '{}' is not a valid NSID", id));
    object defs;
    if (doc["defs"].get(defs) != simdjson::SUCCESS) return fail(fmt::format("{}: defs must be an object", id));
    DefCompiler compiler(id, into);
    for (auto field : defs) {
        if (auto r = compiler.top_level(field.key, field.value); !r) return r;
    }
    return {};
}

}  // namespace atproto::lexicon::detail
