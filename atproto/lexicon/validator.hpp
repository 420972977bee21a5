// Validator: checks records (atproto data-model JSON) against their lexicon the way the
// bsky app-view indexer does (@atproto/lex-schema, strict validate mode; docs/lexicon.md).
// Immutable after construction: `validate` may be called from any number of threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "atproto/lexicon/schema_set.hpp"
#include "atproto/lexicon/verdict.hpp"
#include "common/result.hpp"

namespace atproto::lexicon {

class Validator {
public:
    explicit Validator(SchemaSet schemas);
    // Built from the lexicons compiled into the binary.
    [[nodiscard]] static common::Result<Validator> create_embedded();

    // `record_json` is parsed with a per-thread simdjson parser.
    [[nodiscard]] Verdict validate(std::string_view collection, std::string_view record_json) const;
    [[nodiscard]] Verdict validate(std::string_view collection, simdjson::dom::element record) const;

    [[nodiscard]] const SchemaSet& schemas() const { return schemas_; }

private:
    // A verdict without looking at the record (unvalidated or unknown collection), else
    // nullopt with `schema` set.
    std::optional<Verdict> skip(std::string_view collection, const Node*& schema) const;

    SchemaSet schemas_;
};

}  // namespace atproto::lexicon
