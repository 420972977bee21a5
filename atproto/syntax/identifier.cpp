#include "atproto/syntax/identifier.hpp"

#include "atproto/syntax/ascii.hpp"

namespace atproto::syntax {

using namespace ascii;

namespace {

constexpr bool is_did_id_char(char c) noexcept {
    return is_alnum(c) || c == '.' || c == '_' || c == ':' || c == '%' || c == '-';
}

constexpr bool is_record_key_char(char c) noexcept {
    return is_alnum(c) || c == '.' || c == '_' || c == ':' || c == '~' || c == '-';
}

constexpr bool is_cid_char(char c) noexcept { return is_alnum(c) || c == '+' || c == '='; }

// Splits off the label before the next '.'; `rest` keeps what follows the dot.
// `more` says whether a dot was found.
std::string_view next_label(std::string_view& rest, bool& more) noexcept {
    const auto dot = rest.find('.');
    more = dot != std::string_view::npos;
    const auto label = rest.substr(0, dot);
    rest = more ? rest.substr(dot + 1) : std::string_view{};
    return label;
}

bool is_nsid_name(std::string_view name) noexcept {
    if (name.empty() || name.size() > 63 || !is_alpha(name.front())) return false;
    for (char c : name) {
        if (!is_alnum(c)) return false;
    }
    return true;
}

}  // namespace

bool is_valid_did(std::string_view s) noexcept {
    if (s.size() > max_did_length || !s.starts_with("did:")) return false;
    std::size_t i = 4;
    const std::size_t method_start = i;
    while (i < s.size() && is_lower(s[i])) ++i;
    if (i == method_start || i >= s.size() || s[i] != ':') return false;
    ++i;
    if (i == s.size()) return false;
    for (std::size_t j = i; j < s.size(); ++j) {
        if (!is_did_id_char(s[j])) return false;
    }
    return s.back() != ':' && s.back() != '%';
}

bool is_valid_handle(std::string_view s) noexcept {
    if (s.empty() || s.size() > max_handle_length) return false;
    std::string_view rest = s;
    bool more = true;
    std::size_t labels = 0;
    std::string_view label;
    while (more) {
        label = next_label(rest, more);
        if (!is_dns_label(label)) return false;
        ++labels;
    }
    return labels >= 2 && is_alpha(label.front());
}

bool is_valid_nsid(std::string_view s) noexcept {
    if (s.size() > max_nsid_length) return false;
    const auto last_dot = s.rfind('.');
    if (last_dot == std::string_view::npos) return false;
    if (!is_nsid_name(s.substr(last_dot + 1))) return false;
    std::string_view rest = s.substr(0, last_dot);
    bool more = true;
    std::size_t labels = 0;
    while (more) {
        const auto label = next_label(rest, more);
        if (!is_dns_label(label)) return false;
        if (labels == 0 && !is_alpha(label.front())) return false;
        ++labels;
    }
    return labels >= 2;
}

bool is_valid_at_identifier(std::string_view s) noexcept {
    return s.starts_with("did:") ? is_valid_did(s) : is_valid_handle(s);
}

bool is_valid_record_key(std::string_view s) noexcept {
    if (s.empty() || s.size() > max_record_key_length || s == "." || s == "..") return false;
    for (char c : s) {
        if (!is_record_key_char(c)) return false;
    }
    return true;
}

bool is_valid_cid(std::string_view s) noexcept {
    if (s.size() < 8 || s.size() > 256) return false;
    if (s.size() == 46 && s.starts_with("Qm")) return false;
    for (char c : s) {
        if (!is_cid_char(c)) return false;
    }
    return true;
}

std::optional<std::string> normalize_handle(std::string_view s) {
    if (!is_valid_handle(s)) return std::nullopt;
    std::string out(s);
    for (char& c : out) c = to_lower(c);
    return out;
}

}  // namespace atproto::syntax
