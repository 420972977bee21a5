// The result of validating one record: valid, or why and where it is not.
// Plain value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "atproto/lexicon/schema.hpp"

namespace atproto::lexicon {

enum class Outcome : uint8_t {
    valid,
    invalid,
    unknown_collection,  // no record schema for this NSID: the caller decides
    not_validated,       // a collection the reference indexer stores without validation
};

enum class Reason : uint8_t {
    none,
    not_json,                  // the input text is not JSON
    missing_required,          // a required property is absent
    wrong_type,                // e.g. a number where a string belongs, null where not nullable
    bad_type_field,            // `$type` differs from the record's collection / the object's def
    union_member_not_allowed,  // a closed union got a `$type` it does not list
    too_long,                  // string (UTF-8 bytes), bytes or array above maxLength
    too_short,
    too_many_graphemes,
    too_few_graphemes,
    bad_format,                // a string format (datetime, did, at-uri, …) does not match
    out_of_range,              // integer below minimum / above maximum
    value_not_allowed,         // enum / const / token mismatch
    bad_blob,                  // not a blob reference (legacy `{cid, mimeType}` included)
    blob_mime_not_accepted,
    blob_too_large,
};

[[nodiscard]] std::string_view reason_name(Reason reason);

struct Verdict {
    Outcome outcome = Outcome::valid;
    Reason reason = Reason::none;
    StringFormat format = StringFormat::none;  // for bad_format
    std::string path;  // offending field, e.g. "embed.images[2].alt"; empty for the record itself

    [[nodiscard]] bool ok() const { return outcome == Outcome::valid; }
    // One line for logs: "embed.images[2].alt: too_long".
    [[nodiscard]] std::string describe() const;
};

}  // namespace atproto::lexicon
