// Shared by the benchmarks that write into PostgreSQL: "--flag value" parsing and the empty,
// migrated database they need. Thread-safety: pure functions (migrate_empty connects once).
#pragma once

#include <charconv>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace bin::bench {

// A number written exactly as `text` (integer or floating point, as `out`'s type).
template <class T>
[[nodiscard]] bool number(std::string_view text, T& out) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
    return error == std::errc{} && end == text.data() + text.size();
}

// The same, and greater than zero.
template <class T>
[[nodiscard]] bool positive_number(std::string_view text, T& out) {
    return number(text, out) && out > 0;
}

// Calls `take(flag, value)` for each "--flag value" pair: nullopt = unknown flag, false = bad value.
[[nodiscard]] common::Result<void> for_each_flag(
    std::span<char* const> args, const std::function<std::optional<bool>(std::string_view, std::string_view)>& take);

// The project's third-party fixtures: $WINTERMUTE_SHARED, else ../shared beside the checkout.
[[nodiscard]] std::string shared_dir();

// Applies the migrations to `url`, then refuses the database when `probe` (a SELECT) returns a row.
[[nodiscard]] common::Result<void> migrate_empty(const std::string& url, const char* probe, std::string_view refusal);

}  // namespace bin::bench
