// BCP 47 language tags (RFC 5646) as used in atproto `langs` fields: well-formed
// syntax plus the RFC's validity rules that need no registry (no repeated variant,
// no repeated extension singleton). Pure function: thread-safe.
#pragma once

#include <string_view>

namespace atproto::syntax {

// Primary language subtag must be 2-3 lower-case letters (plus up to three extlang),
// or the tag is private use (`x-…`) or one of the RFC's grandfathered tags.
[[nodiscard]] bool is_valid_language(std::string_view s) noexcept;

}  // namespace atproto::syntax
