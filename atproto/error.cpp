#include "atproto/error.hpp"

#include <fmt/core.h>

namespace atproto {

std::string_view to_string(Errc code) noexcept {
    switch (code) {
        case Errc::truncated: return "truncated";
        case Errc::reserved_additional_info: return "reserved_additional_info";
        case Errc::indefinite_length: return "indefinite_length";
        case Errc::non_minimal_encoding: return "non_minimal_encoding";
        case Errc::integer_out_of_range: return "integer_out_of_range";
        case Errc::float_not_allowed: return "float_not_allowed";
        case Errc::simple_value_not_allowed: return "simple_value_not_allowed";
        case Errc::tag_not_allowed: return "tag_not_allowed";
        case Errc::invalid_link: return "invalid_link";
        case Errc::cid_too_long: return "cid_too_long";
        case Errc::invalid_utf8: return "invalid_utf8";
        case Errc::map_key_not_text: return "map_key_not_text";
        case Errc::map_keys_out_of_order: return "map_keys_out_of_order";
        case Errc::duplicate_map_key: return "duplicate_map_key";
        case Errc::nesting_too_deep: return "nesting_too_deep";
        case Errc::container_too_large: return "container_too_large";
        case Errc::trailing_bytes: return "trailing_bytes";
        case Errc::unsupported_cid: return "unsupported_cid";
        case Errc::invalid_cid_string: return "invalid_cid_string";
        case Errc::bad_varint: return "bad_varint";
        case Errc::bad_car_header: return "bad_car_header";
        case Errc::unsupported_car_version: return "unsupported_car_version";
        case Errc::empty_block_section: return "empty_block_section";
        case Errc::block_hash_mismatch: return "block_hash_mismatch";
        case Errc::unexpected_type: return "unexpected_type";
        case Errc::unsupported_commit_version: return "unsupported_commit_version";
        case Errc::missing_field: return "missing_field";
        case Errc::missing_block: return "missing_block";
        case Errc::bad_mst_node: return "bad_mst_node";
        case Errc::bad_mst_key: return "bad_mst_key";
        case Errc::mst_keys_out_of_order: return "mst_keys_out_of_order";
        case Errc::mst_too_deep: return "mst_too_deep";
        case Errc::mst_key_exists: return "mst_key_exists";
        case Errc::mst_key_absent: return "mst_key_absent";
        case Errc::bad_repo_op: return "bad_repo_op";
        case Errc::op_mismatch: return "op_mismatch";
        case Errc::proof_mismatch: return "proof_mismatch";
        case Errc::invalid_json: return "invalid_json";
        case Errc::invalid_bytes: return "invalid_bytes";
        case Errc::invalid_type_field: return "invalid_type_field";
        case Errc::invalid_blob: return "invalid_blob";
    }
    return "unknown";
}

std::string Error::describe() const {
    if (cid.empty()) return fmt::format("{} at offset {}", to_string(code), offset);
    return fmt::format("{} at offset {} (block {})", to_string(code), offset, cid.to_string());
}

}  // namespace atproto
