#include "atproto/lexicon/schema_set.hpp"

#include <unordered_set>

#include <fmt/format.h>

#include "atproto/lexicon/document_parser.hpp"
#include "atproto/lexicon/embedded_schemas.hpp"

namespace atproto::lexicon {
namespace {

// Every ref and union member reachable from `root` must have been resolved.
common::Result<void> check_reachable(const Node* root, std::unordered_set<const Node*>& seen) {
    std::vector<const Node*> stack{root};
    while (!stack.empty()) {
        const Node* node = stack.back();
        stack.pop_back();
        if (!seen.insert(node).second) continue;
        if (node->kind == NodeKind::ref) {
            if (node->target == nullptr) return common::fail(fmt::format("unresolved ref '{}'", node->ref));
            stack.push_back(node->target);
        }
        for (const UnionMember& m : node->members) {
            if (m.node == nullptr) return common::fail(fmt::format("unresolved union member '{}'", m.type));
            stack.push_back(m.node);
        }
        for (const Property& p : node->properties) stack.push_back(p.node);
        if (node->items != nullptr) stack.push_back(node->items);
    }
    return {};
}

}  // namespace

Node& SchemaSet::add_node() {
    nodes_.push_back(std::make_unique<Node>());
    return *nodes_.back();
}

bool SchemaSet::add_definition(std::string name, const Node* node) {
    return definitions_.emplace(std::move(name), node).second;
}

const Node* SchemaSet::find(std::string_view absolute_ref) const {
    auto it = definitions_.find(absolute_ref);
    return it == definitions_.end() ? nullptr : it->second;
}

const Node* SchemaSet::record(std::string_view collection) const {
    const Node* node = find(collection);
    return node != nullptr && node->kind == NodeKind::record ? node : nullptr;
}

std::vector<std::string> SchemaSet::record_collections() const {
    std::vector<std::string> out;
    for (const auto& [name, node] : definitions_) {
        if (node->kind == NodeKind::record) out.push_back(name);
    }
    return out;
}

common::Result<void> SchemaSet::link() {
    for (auto& node : nodes_) {
        if (node->kind == NodeKind::ref) node->target = find(node->ref);
        for (UnionMember& m : node->members) m.node = find(m.type);
    }
    std::unordered_set<const Node*> seen;
    for (const auto& [name, node] : definitions_) {
        if (node->kind != NodeKind::record) continue;
        if (auto r = check_reachable(node, seen); !r) return common::fail(fmt::format("{}: {}", name, r.error().message));
    }
    return {};
}

common::Result<SchemaSet> SchemaSet::load(std::span<const std::string_view> documents) {
    SchemaSet set;
    for (std::string_view doc : documents) {
        if (auto r = detail::parse_document(doc, set); !r) return tl::unexpected(r.error());
    }
    if (auto r = set.link(); !r) return tl::unexpected(r.error());
    return set;
}

common::Result<SchemaSet> SchemaSet::load_embedded() {
    std::vector<std::string_view> documents;
    for (const EmbeddedFile& file : embedded_schema_files()) documents.push_back(file.content);
    return load(documents);
}

common::Result<void> check_document(std::string_view json) {
    std::vector<std::string_view> one{json};
    auto set = SchemaSet::load(one);
    if (!set) return tl::unexpected(set.error());
    return {};
}

}  // namespace atproto::lexicon
