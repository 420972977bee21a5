#include "storage/schema/migrator.hpp"

#include <fmt/core.h>

#include "storage/pg/error.hpp"
#include "storage/schema/migration_plan.hpp"
#include "storage/schema/schema_state.hpp"

namespace storage::schema {

namespace {

// Any fixed number works as long as nothing else in the database uses it; "wintmig" in ASCII.
constexpr std::string_view lock_key = "33611445349214567";

constexpr std::string_view create_bookkeeping =
    "CREATE SCHEMA IF NOT EXISTS bsky;\n"
    "CREATE TABLE IF NOT EXISTS bsky.wintermute_migration (\n"
    "    version integer PRIMARY KEY,\n"
    "    name text NOT NULL,\n"
    "    applied_at timestamptz NOT NULL DEFAULT now()\n"
    ")";

// Holds the session-level advisory lock for its lifetime.
class MigrationLock {
public:
    explicit MigrationLock(pg::Connection& conn) : conn_(conn) {
        conn_.exec(fmt::format("SELECT pg_advisory_lock({})", lock_key), "taking the migration lock");
    }
    ~MigrationLock() {
        // Best effort: if the connection died the server released the lock with the session.
        const auto sql = fmt::format("SELECT pg_advisory_unlock({})", lock_key);
        conn_.exec_quietly(sql.c_str());
    }
    MigrationLock(const MigrationLock&) = delete;
    MigrationLock& operator=(const MigrationLock&) = delete;

private:
    pg::Connection& conn_;
};

// Runs `body` inside BEGIN/COMMIT; rolls back and rethrows if it throws.
template <class Body>
void in_transaction(pg::Connection& conn, std::string_view what, Body body) {
    conn.exec("BEGIN", what);
    try {
        body();
        conn.exec("COMMIT", what);
    } catch (const pg::PgError&) {
        conn.exec_quietly("ROLLBACK");
        throw;
    }
}

void record(pg::Connection& conn, const Migration& m, std::string_view what) {
    conn.exec(create_bookkeeping, what);
    conn.exec_params("INSERT INTO bsky.wintermute_migration (version, name) VALUES ($1, $2)",
                           {std::to_string(m.version), std::string(m.name)}, what);
}

}  // namespace

Migrator::Migrator(pg::Connection& conn, std::span<const Migration> migrations)
    : conn_(conn), migrations_(migrations) {}

common::Result<MigrationOutcome> Migrator::run() {
    MigrationLock lock(conn_);
    auto plan = plan_migrations(inspect_schema(conn_), migrations_);
    if (!plan) return tl::unexpected(plan.error());
    MigrationOutcome outcome;
    if (plan->adopt_through > 0) {
        adopt_through(plan->adopt_through);
        for (const auto& m : migrations_) {
            if (m.version <= plan->adopt_through) outcome.adopted.push_back(migration_label(m));
        }
    }
    for (const Migration* m : plan->to_apply) {
        apply(*m);
        outcome.applied.push_back(migration_label(*m));
    }
    return outcome;
}

void Migrator::apply(const Migration& migration) {
    const auto what = fmt::format("applying migration {}", migration_label(migration));
    in_transaction(conn_, what, [&] {
        conn_.exec(migration.sql, what);
        record(conn_, migration, what);
    });
}

void Migrator::adopt_through(int version) {
    in_transaction(conn_, "adopting the bsky-built schema", [&] {
        for (const auto& m : migrations_) {
            if (m.version <= version) record(conn_, m, "adopting the bsky-built schema");
        }
    });
}

}  // namespace storage::schema
