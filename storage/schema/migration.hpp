// Migration: one versioned SQL file of storage/schema/migrations/, embedded in
// the binary at build time. Immutable constants; safe from any thread.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace storage::schema {

struct Migration {
    int version;                                      // 1, 2, 3… from the file name
    std::string_view name;                            // "dataplane" from 0001_dataplane.sql
    std::string_view sql;                             // run in one transaction
    std::span<const std::string_view> creates;        // tables and views it creates in schema bsky
    std::span<const std::string_view> kysely_names;   // bsky kysely migrations it records as applied
};

// The migrations compiled into this binary, in version order (1..N, no gap).
[[nodiscard]] std::span<const Migration> embedded_migrations() noexcept;

// "0001_dataplane": how operators and messages name a migration.
[[nodiscard]] std::string migration_label(const Migration& migration);
[[nodiscard]] std::string migration_label(int version, std::string_view name);

}  // namespace storage::schema
