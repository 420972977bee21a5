// Decides what migrating a database means, from its SchemaState and the
// migrations this binary knows, without touching the database: apply the
// missing ones, adopt a schema bsky's own kysely migrator built, or refuse a
// schema we do not recognise (the error says what was found). Pure; thread-safe.
#pragma once

#include <span>
#include <vector>

#include "common/result.hpp"
#include "storage/schema/migration.hpp"
#include "storage/schema/schema_state.hpp"

namespace storage::schema {

struct MigrationPlan {
    int adopt_through = 0;                      // record 1..adopt_through as applied without running them
    std::vector<const Migration*> to_apply;     // then run these, in order
};

[[nodiscard]] common::Result<MigrationPlan> plan_migrations(const SchemaState& state,
                                                            std::span<const Migration> known);

}  // namespace storage::schema
