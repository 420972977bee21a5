// Helpers for the atproto tests: fixture paths (WINTERMUTE_SHARED), file reading, hex/base64
// byte literals, and semantic JSON comparison (keys sorted) through simdjson.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "atproto/cid.hpp"

namespace test_atproto {

std::string shared_path(std::string_view relative);
std::vector<std::byte> read_bytes(const std::string& path);
std::string read_text(const std::string& path);
// "a1 61 61 01" → bytes (spaces ignored).
std::vector<std::byte> hex(std::string_view text);
std::vector<std::byte> base64(std::string_view text);
// Serialises a JSON value with object keys sorted, so two encodings compare semantically.
std::string canonical(simdjson::dom::element element);
std::string canonical_json(std::string_view json);
// The array value of `element` (by value: a range-for over a simdjson_result's value() would
// bind to a destroyed temporary).
simdjson::dom::array array(simdjson::dom::element element);
// Splits a `[u32 little-endian length][frame]…` capture into its frames.
std::vector<std::vector<std::byte>> split_frames(const std::vector<std::byte>& file);
// Every repo CAR in the fixtures that has an expected.json, as paths relative to the fixtures root.
std::vector<std::string> fixture_cars_with_expected();


struct TestBlock {
    atproto::Cid cid;
    std::vector<std::byte> data;
};
// A dag-cbor block with its CID computed.
TestBlock block_of(std::vector<std::byte> data);
// A CAR v1 file with these roots and block sections, in order.
std::vector<std::byte> make_car(const std::vector<atproto::Cid>& roots, const std::vector<TestBlock>& blocks);

}  // namespace test_atproto
