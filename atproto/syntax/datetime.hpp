// atproto datetimes (RFC 3339 / ISO 8601 intersection, timezone required) and their
// normalisation to the JavaScript `Date.prototype.toISOString()` shape the dataplane
// stores: `YYYY-MM-DDTHH:MM:SS.sssZ`. Pure functions: thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace atproto::syntax {

inline constexpr std::size_t iso_millis_length = 24;

// Syntax plus calendar check: real month/day (leap years), hour <= 23, minute and
// second <= 59, offset `Z` or `±HH:MM` (not `-00:00`), 1-20 fraction digits, and the
// instant in UTC within years 0000..9999.
[[nodiscard]] bool is_valid_datetime(std::string_view s) noexcept;

// Milliseconds since the Unix epoch (negative before 1970). The offset is applied;
// fraction digits beyond milliseconds are truncated (not rounded), as JavaScript's
// Date parser does. nullopt when not a valid datetime.
[[nodiscard]] std::optional<std::int64_t> parse_datetime_millis(std::string_view s) noexcept;

// `YYYY-MM-DDTHH:MM:SS.sssZ` (24 chars) for an instant within years 0000..9999;
// throws std::out_of_range outside (a caller bug: parse_datetime_millis never yields one).
[[nodiscard]] std::string format_iso_millis(std::int64_t unix_millis);

// The current instant (system clock) as format_iso_millis writes it: what the reference writes
// for "now" (a backfilled record's indexedAt).
[[nodiscard]] std::string now_iso_millis();

// parse_datetime_millis then format_iso_millis: any valid atproto datetime to UTC,
// millisecond precision. nullopt when not valid.
[[nodiscard]] std::optional<std::string> normalize_datetime(std::string_view s);

}  // namespace atproto::syntax
