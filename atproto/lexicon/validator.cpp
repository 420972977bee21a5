#include "atproto/lexicon/validator.hpp"

#include <array>

#include <fmt/format.h>

#include "atproto/lexicon/value_checker.hpp"

namespace atproto::lexicon {
namespace {

// The reference indexer's chat declaration plugin turns validation off.
constexpr std::array<std::string_view, 1> unvalidated_collections{"chat.bsky.actor.declaration"};

}  // namespace

std::string_view reason_name(Reason reason) {
    switch (reason) {
        case Reason::none: return "none";
        case Reason::not_json: return "not_json";
        case Reason::missing_required: return "missing_required";
        case Reason::wrong_type: return "wrong_type";
        case Reason::bad_type_field: return "bad_type_field";
        case Reason::union_member_not_allowed: return "union_member_not_allowed";
        case Reason::too_long: return "too_long";
        case Reason::too_short: return "too_short";
        case Reason::too_many_graphemes: return "too_many_graphemes";
        case Reason::too_few_graphemes: return "too_few_graphemes";
        case Reason::bad_format: return "bad_format";
        case Reason::out_of_range: return "out_of_range";
        case Reason::value_not_allowed: return "value_not_allowed";
        case Reason::bad_blob: return "bad_blob";
        case Reason::blob_mime_not_accepted: return "blob_mime_not_accepted";
        case Reason::blob_too_large: return "blob_too_large";
    }
    return "unknown";
}

std::string Verdict::describe() const {
    switch (outcome) {
        case Outcome::valid: return "valid";
        case Outcome::unknown_collection: return "unknown collection";
        case Outcome::not_validated: return "not validated";
        case Outcome::invalid: break;
    }
    return fmt::format("{}: {}", path.empty() ? "(record)" : path, reason_name(reason));
}

Validator::Validator(SchemaSet schemas) : schemas_(std::move(schemas)) {}

common::Result<Validator> Validator::create_embedded() {
    auto schemas = SchemaSet::load_embedded();
    if (!schemas) return tl::unexpected(schemas.error());
    return Validator(std::move(*schemas));
}

std::optional<Verdict> Validator::skip(std::string_view collection, const Node*& schema) const {
    for (std::string_view c : unvalidated_collections) {
        if (c == collection) return Verdict{Outcome::not_validated, Reason::none, StringFormat::none, {}};
    }
    schema = schemas_.record(collection);
    if (schema == nullptr) return Verdict{Outcome::unknown_collection, Reason::none, StringFormat::none, {}};
    return std::nullopt;
}

Verdict Validator::validate(std::string_view collection, std::string_view record_json) const {
    const Node* schema = nullptr;
    if (auto skipped = skip(collection, schema)) return *skipped;
    // simdjson parsers are not thread-safe but are costly to create: one per thread.
    thread_local simdjson::dom::parser parser;
    simdjson::dom::element record;
    if (parser.parse(record_json.data(), record_json.size()).get(record) != simdjson::SUCCESS) {
        return Verdict{Outcome::invalid, Reason::not_json, StringFormat::none, {}};
    }
    detail::ValueChecker checker;
    return checker.check(*schema, record) ? Verdict{} : checker.failure();
}

Verdict Validator::validate(std::string_view collection, simdjson::dom::element record) const {
    const Node* schema = nullptr;
    if (auto skipped = skip(collection, schema)) return *skipped;
    detail::ValueChecker checker;
    return checker.check(*schema, record) ? Verdict{} : checker.failure();
}

}  // namespace atproto::lexicon
