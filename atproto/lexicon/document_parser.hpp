// Turns one lexicon document (JSON) into Nodes registered in a SchemaSet.
// Internal to atproto/lexicon; used only while a SchemaSet is being loaded.
#pragma once

#include <string_view>

#include "atproto/lexicon/schema_set.hpp"
#include "common/result.hpp"

namespace atproto::lexicon::detail {

// Checks the document's structure (lexicon version, id, def types, where primary types
// may appear) and adds one definition per def. Refs stay unresolved (Node::ref).
[[nodiscard]] common::Result<void> parse_document(std::string_view json, SchemaSet& into);

}  // namespace atproto::lexicon::detail
