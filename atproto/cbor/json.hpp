// DAG-CBOR → JSON in the atproto form the dataplane `record` table stores: links as
// {"$link":"b…"}, byte strings as {"$bytes":"<base64, no padding>"} (chosen by the CBOR major
// type, never guessed), keys in the CBOR (canonical) order, strings escaped per RFC 8259 with
// non-ASCII UTF-8 passed through. Appends to a std::string. Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "atproto/cbor/reader.hpp"
#include "atproto/error.hpp"

namespace atproto::cbor {

// Converts the one value in `cbor` (trailing bytes are an error). On error `out` is restored to
// its size before the call.
[[nodiscard]] Expected<void> to_json(std::span<const std::byte> cbor, std::string& out);
// Converts the next value of `reader` (e.g. the body after a firehose header). Same error rule.
[[nodiscard]] Expected<void> write_json(Reader& reader, std::string& out);
// Appends `"text"` with JSON escaping (\" \\ \b \f \n \r \t, \u00XX for other controls).
void append_json_string(std::string& out, std::string_view text);

}  // namespace atproto::cbor
