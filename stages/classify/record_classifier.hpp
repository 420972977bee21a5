// RecordClassifier: turns one created or updated record of a #commit (or of a backfilled repo)
// into the StagedOp the writer applies, or says why the reference indexer would write nothing
// for it: undecodable, broken lexicon, a list item on someone else's list, a gate for someone
// else's post. Collections the dataplane does not index give no op at all.
// Thread-safety: one instance per worker (it owns a simdjson parser); the Validator is shared.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "atproto/lexicon/validator.hpp"
#include "stages/classify/staged_op.hpp"

namespace stages::classify {

enum class Rejection : std::uint8_t {
    none,
    not_indexed,    // a collection the dataplane does not index: no op, not an error
    bad_cbor,       // the record block is not valid DAG-CBOR
    too_large,      // record JSON over max_record_json_bytes
    nul_in_string,  // PostgreSQL cannot store U+0000; the reference's insert fails on it too
    lexicon,        // breaks its lexicon (verdict in `detail`)
    not_owner,      // listitem of another's list, gate of another's post
};

[[nodiscard]] std::string_view to_string(Rejection rejection) noexcept;

// True for the collections the dataplane indexes (indexing-semantics.md §2).
[[nodiscard]] bool is_indexed_collection(std::string_view collection) noexcept;

struct RecordInput {
    OpKind kind;               // create or update
    std::int64_t seq;
    std::string_view did;      // the repo
    std::string_view collection;
    std::string_view rkey;
    std::string_view cid;      // the record's CID string
    std::span<const std::byte> block;
    std::string_view time;     // indexedAt
};

class RecordClassifier {
public:
    static constexpr std::size_t max_record_json_bytes = 1U << 20U;

    explicit RecordClassifier(const atproto::lexicon::Validator& validator) : validator_(validator) {}

    // On success fills `out` and returns Rejection::none; `detail` says more about a rejection.
    Rejection classify(const RecordInput& in, StagedOp& out, std::string& detail);

private:
    const atproto::lexicon::Validator& validator_;
    simdjson::dom::parser parser_;
    std::string json_;
};

}  // namespace stages::classify
