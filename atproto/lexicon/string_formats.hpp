// Checkers for the lexicon string formats, matching @atproto/syntax (strict mode) as
// used by the reference validator. Pure functions of their input: thread-safe.
// Kept in one place so they can be swapped for atproto/syntax's validators later.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "atproto/lexicon/schema.hpp"

namespace atproto::lexicon {

[[nodiscard]] bool matches_format(StringFormat format, std::string_view value);

[[nodiscard]] bool is_did(std::string_view s);
[[nodiscard]] bool is_handle(std::string_view s);
[[nodiscard]] bool is_nsid(std::string_view s);
[[nodiscard]] bool is_at_identifier(std::string_view s);
[[nodiscard]] bool is_at_uri(std::string_view s);  // strict: no query, no trailing slash
[[nodiscard]] bool is_record_key(std::string_view s);
[[nodiscard]] bool is_tid(std::string_view s);
[[nodiscard]] bool is_uri(std::string_view s);
[[nodiscard]] bool is_datetime(std::string_view s);  // RFC 3339 subset + JS Date semantics
[[nodiscard]] bool is_language(std::string_view s);  // BCP 47, lower-case primary subtag

// A CID in its string form. `canonical` is what validateCidString demands: the string
// is exactly what re-encoding the parsed CID would print (base32 'b…' for v1, 'Qm…' for v0).
struct CidText {
    uint64_t version = 0;
    uint64_t codec = 0;
};
[[nodiscard]] std::optional<CidText> parse_cid_text(std::string_view s);
[[nodiscard]] inline bool is_cid(std::string_view s) { return parse_cid_text(s).has_value(); }

// Decoded size of unpadded (or padded) standard base64; nullopt if malformed.
[[nodiscard]] std::optional<uint64_t> base64_decoded_size(std::string_view s);

}  // namespace atproto::lexicon
