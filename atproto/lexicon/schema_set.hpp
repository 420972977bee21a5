// SchemaSet: lexicon documents parsed and linked into Nodes, looked up by NSID.
// Built once (load), immutable afterwards: safe to share between threads.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "atproto/lexicon/schema.hpp"
#include "common/result.hpp"

namespace atproto::lexicon {

class SchemaSet {
public:
    // Parses every document (official lexicon JSON), then resolves refs. Fails on a
    // malformed document, a duplicate id, or a ref reachable from a record definition
    // that names no loaded definition (refs only reachable from XRPC views may dangle).
    [[nodiscard]] static common::Result<SchemaSet> load(std::span<const std::string_view> documents);
    // The documents compiled into the binary (atproto/lexicon/schemas/).
    [[nodiscard]] static common::Result<SchemaSet> load_embedded();

    // The definition named "nsid#name" (or "nsid" for main); nullptr if unknown.
    [[nodiscard]] const Node* find(std::string_view absolute_ref) const;
    // The record definition of a collection; nullptr if the NSID names no record.
    [[nodiscard]] const Node* record(std::string_view collection) const;
    [[nodiscard]] std::vector<std::string> record_collections() const;

    // Used while loading only. add_definition returns false if the name is taken.
    Node& add_node();
    bool add_definition(std::string name, const Node* node);

private:
    SchemaSet() = default;
    common::Result<void> link();

    // Lets find() look up a string_view without building a std::string.
    struct NameHash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };

    std::vector<std::unique_ptr<Node>> nodes_;
    std::unordered_map<std::string, const Node*, NameHash, std::equal_to<>> definitions_;
};

// Checks one document the way `load` does, without keeping it.
[[nodiscard]] common::Result<void> check_document(std::string_view json);

}  // namespace atproto::lexicon
