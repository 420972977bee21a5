// How atproto data-model JSON encodes the non-JSON types: `{"$link": cid}` is a CID link,
// `{"$bytes": base64}` is a byte string; every other object is a plain map (blobs included).
// Pure functions over simdjson DOM elements: thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include <simdjson.h>

namespace atproto::lexicon::detail {

enum class LexType : uint8_t { null, boolean, integer, number, string, cid, bytes, array, map };

// The data-model type of a JSON element (`number` = a non-integral number).
[[nodiscard]] LexType lex_type(simdjson::dom::element value);

// The CID string of a `{"$link": …}` element, or nullopt.
[[nodiscard]] std::optional<std::string_view> link_text(simdjson::dom::element value);
// The decoded length of a `{"$bytes": …}` element, or nullopt.
[[nodiscard]] std::optional<uint64_t> bytes_length(simdjson::dom::element value);

// The value as an integer if it is one JavaScript would call a safe integer.
[[nodiscard]] std::optional<int64_t> safe_integer(simdjson::dom::element value);

}  // namespace atproto::lexicon::detail
