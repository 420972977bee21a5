// Migrator: brings a database's schema bsky up to the migrations this binary
// knows, under a PostgreSQL advisory lock so two processes cannot race. Each
// migration runs in its own transaction together with its bookkeeping row.
// Not thread-safe (uses the borrowed Connection); run it from one thread.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "storage/pg/connection.hpp"
#include "storage/schema/migration.hpp"

namespace storage::schema {

struct MigrationOutcome {
    std::vector<std::string> adopted;   // labels recorded as applied without running (bsky-built schema)
    std::vector<std::string> applied;   // labels run now, in order
};

class Migrator {
public:
    explicit Migrator(pg::Connection& conn, std::span<const Migration> migrations = embedded_migrations());

    // Error value: the database holds a schema we do not recognise (message says what).
    // Throws PgError when the database fails; a failed migration is rolled back.
    [[nodiscard]] common::Result<MigrationOutcome> run();

private:
    void apply(const Migration& migration);
    void adopt_through(int version);

    pg::Connection& conn_;
    std::span<const Migration> migrations_;
};

}  // namespace storage::schema
