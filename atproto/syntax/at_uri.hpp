// AT-URI parsing in the strict form `at://<did|handle>[/<collection NSID>[/<rkey>]]`
// (no query, no fragment, <= 8 KiB). Pure functions: thread-safe.
#pragma once

#include <optional>
#include <string_view>

namespace atproto::syntax {

inline constexpr std::size_t max_at_uri_length = 8192;

// Views into the parsed string: valid only while that string lives.
struct AtUri {
    std::string_view authority;   // DID or handle, as written (not lower-cased)
    std::string_view collection;  // empty when the URI names only a repo
    std::string_view rkey;        // empty when the URI names a repo or a collection
};

[[nodiscard]] std::optional<AtUri> parse_at_uri(std::string_view s) noexcept;
[[nodiscard]] bool is_valid_at_uri(std::string_view s) noexcept;

}  // namespace atproto::syntax
