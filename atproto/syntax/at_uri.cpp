#include "atproto/syntax/at_uri.hpp"

#include "atproto/syntax/identifier.hpp"

namespace atproto::syntax {

namespace {

// The segment before the next '/'; `rest` keeps what follows the slash and
// `more` says whether there was one.
std::string_view next_segment(std::string_view& rest, bool& more) noexcept {
    const auto slash = rest.find('/');
    more = slash != std::string_view::npos;
    const auto segment = rest.substr(0, slash);
    rest = more ? rest.substr(slash + 1) : std::string_view{};
    return segment;
}

}  // namespace

std::optional<AtUri> parse_at_uri(std::string_view s) noexcept {
    constexpr std::string_view scheme = "at://";
    if (s.size() > max_at_uri_length || !s.starts_with(scheme)) return std::nullopt;
    std::string_view rest = s.substr(scheme.size());
    bool more = false;
    AtUri uri;
    uri.authority = next_segment(rest, more);
    if (!is_valid_at_identifier(uri.authority)) return std::nullopt;
    if (!more) return uri;
    uri.collection = next_segment(rest, more);
    if (!is_valid_nsid(uri.collection)) return std::nullopt;
    if (!more) return uri;
    uri.rkey = rest;
    if (!is_valid_record_key(uri.rkey)) return std::nullopt;
    return uri;
}

bool is_valid_at_uri(std::string_view s) noexcept { return parse_at_uri(s).has_value(); }

}  // namespace atproto::syntax
