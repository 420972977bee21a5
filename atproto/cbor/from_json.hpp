// atproto data-model JSON → canonical DAG-CBOR: {"$link": cid} becomes a tag-42 link,
// {"$bytes": base64} a byte string, map keys are sorted length-first, integer-valued numbers
// become integers. Rejects what the data model forbids (floats, malformed $link/$bytes/blob
// objects, an empty or non-string $type, duplicate keys, a top level that is not an object).
// Thread-safety: one JsonEncoder per thread (it reuses a simdjson parser).
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "atproto/error.hpp"

namespace atproto::cbor {

class JsonEncoder {
public:
    JsonEncoder();
    ~JsonEncoder();
    JsonEncoder(JsonEncoder&&) noexcept;
    JsonEncoder& operator=(JsonEncoder&&) noexcept;

    // Appends the encoding of `json` to `out`; on error `out` is left as it was. Errors (offset 0:
    // the DOM has no positions): invalid_json, unexpected_type (top level), float_not_allowed,
    // integer_out_of_range, invalid_link, invalid_cid_string, invalid_bytes, invalid_type_field,
    // invalid_blob, duplicate_map_key, nesting_too_deep, container_too_large.
    [[nodiscard]] Expected<void> encode(std::string_view json, std::vector<std::byte>& out);

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace atproto::cbor
