// Decoding errors of the atproto core: one enum value per rejection rule, with the byte offset
// (and, for a missing block, the CID) where it happened. Plain values; no exceptions on bad input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "atproto/cid.hpp"

namespace atproto {

enum class Errc : std::uint8_t {
    // DAG-CBOR
    truncated,
    reserved_additional_info,
    indefinite_length,
    non_minimal_encoding,
    integer_out_of_range,
    float_not_allowed,
    simple_value_not_allowed,
    tag_not_allowed,
    invalid_link,
    cid_too_long,
    invalid_utf8,
    map_key_not_text,
    map_keys_out_of_order,
    duplicate_map_key,
    nesting_too_deep,
    container_too_large,
    trailing_bytes,
    // CID
    unsupported_cid,
    invalid_cid_string,
    // CAR
    bad_varint,
    bad_car_header,
    unsupported_car_version,
    empty_block_section,
    block_hash_mismatch,
    // repo: commit and MST
    unexpected_type,
    unsupported_commit_version,
    missing_field,
    missing_block,
    bad_mst_node,
    bad_mst_key,
    mst_keys_out_of_order,
    mst_too_deep,
    // MST editing and the Sync 1.1 commit check
    mst_key_exists,     // insert of a key the tree already holds
    mst_key_absent,     // remove or update of a key the tree does not hold
    bad_repo_op,        // unknown action, bad path, missing cid, or no `prev` where inversion needs it
    op_mismatch,        // the new tree does not hold what the op says (offset = op index)
    proof_mismatch,     // inverted root differs from prevData (cid = the computed root)
    // data-model JSON → DAG-CBOR
    invalid_json,
    invalid_bytes,       // a $bytes object with extra keys, a non-string or bad base64
    invalid_type_field,  // $type not a non-empty string
    invalid_blob,        // $type "blob" without a $link ref, string mimeType and integer size
};

[[nodiscard]] std::string_view to_string(Errc code) noexcept;

struct Error {
    Errc code;
    std::size_t offset = 0;  // byte offset into the buffer being decoded (0 when not meaningful)
    Cid cid{};               // the block concerned, when there is one (missing_block, hash mismatch)

    // "missing_block at offset 0 (bafyrei…)"; for logs and tool output.
    [[nodiscard]] std::string describe() const;
};

template <class T>
using Expected = tl::expected<T, Error>;

[[nodiscard]] inline tl::unexpected<Error> fail(Errc code, std::size_t offset, Cid cid = {}) {
    return tl::unexpected<Error>(Error{code, offset, cid});
}

}  // namespace atproto
