// SchemaState: what a database holds in schema bsky, as far as migrating cares:
// its tables and views, bsky's kysely bookkeeping and wintermute's own. Plain
// values, read once under the migration lock.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/pg/connection.hpp"

namespace storage::schema {

struct AppliedMigration {
    int version;
    std::string name;
};

struct SchemaState {
    std::vector<std::string> relations;                              // tables and views in bsky, sorted
    std::optional<std::vector<std::string>> kysely_names;            // nullopt: no bsky.kysely_migration
    std::optional<std::vector<AppliedMigration>> wintermute_applied;  // nullopt: no bsky.wintermute_migration
};

// The table in which wintermute records applied migrations.
inline constexpr std::string_view bookkeeping_table = "wintermute_migration";

// Reads the state. Throws PgError.
[[nodiscard]] SchemaState inspect_schema(pg::Connection& conn);

}  // namespace storage::schema
