// Test helper: `pg_dump --schema-only` of a database as a sorted list of
// normalised statements (no comments, SET lines, \restrict lines or blank
// lines; whitespace kept), so two databases compare as sets of objects.
#pragma once

#include <string>
#include <vector>

namespace test_schema {

// Statements of the dump, sorted. Those mentioning wintermute's own tables
// (bsky.wintermute_migration, bsky.sub_state) are left out when `without_wintermute`.
[[nodiscard]] std::vector<std::string> schema_dump(const std::string& url, bool without_wintermute);

// Empty when equal; otherwise one line per differing object, naming it.
[[nodiscard]] std::string describe_differences(const std::vector<std::string>& ours,
                                               const std::vector<std::string>& reference);

}  // namespace test_schema
