#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <fmt/core.h>

#include "storage/pg/connection.hpp"
#include "storage/pg/error.hpp"
#include "storage/schema/migrator.hpp"
#include "test/storage/schema/schema_dump.hpp"
#include "test/support/throwaway_postgres.hpp"

using storage::pg::Connection;
using storage::schema::Migrator;
using test_support::ThrowawayPostgres;

namespace {

// The spec's DDL, the oracle: bsky's own migrator produces the same dump.
void load_reference_schema(const std::string& url) {
    const char* shared = std::getenv("WINTERMUTE_SHARED");
    REQUIRE(shared != nullptr);
    std::ifstream file(std::string(shared) + "/spec/dataplane-schema.sql");
    REQUIRE(file);
    std::stringstream sql;
    sql << file.rdbuf();
    Connection conn(url);
    conn.exec(sql.str(), "loading dataplane-schema.sql");
}

storage::schema::MigrationOutcome migrate(const std::string& url) {
    Connection conn(url);
    auto outcome = Migrator(conn).run();
    INFO((outcome ? std::string() : outcome.error().message));
    REQUIRE(outcome);
    return *outcome;
}

std::string refusal(const std::string& url) {
    Connection conn(url);
    auto outcome = Migrator(conn).run();
    REQUIRE_FALSE(outcome);
    return outcome.error().message;
}

std::string column(const std::string& url, const std::string& sql) {
    Connection conn(url);
    auto r = conn.exec(sql);
    std::string out;
    for (int i = 0; i < r.rows(); ++i) out += std::string(r.value(i, 0)) + "\n";
    return out;
}

void check_same_schema(const std::string& ours, const std::string& reference) {
    const auto diff = test_schema::describe_differences(test_schema::schema_dump(ours, true),
                                                        test_schema::schema_dump(reference, true));
    INFO(diff);
    CHECK(diff.empty());
}

// "0001_dataplane", … for every migration compiled into this binary.
std::vector<std::string> all_migration_labels() {
    std::vector<std::string> labels;
    for (const auto& m : storage::schema::embedded_migrations()) labels.push_back(fmt::format("{:04}_{}", m.version, m.name));
    return labels;
}

}  // namespace

TEST_CASE("migrate builds exactly the bsky dataplane schema of the spec, apart from wintermute's tables",
          "[schema][migrator]") {
    ThrowawayPostgres ours, reference;
    auto outcome = migrate(ours.url());
    CHECK(outcome.adopted.empty());
    CHECK(outcome.applied == all_migration_labels());
    load_reference_schema(reference.url());
    check_same_schema(ours.url(), reference.url());
    CHECK(test_schema::schema_dump(ours.url(), false).size() > test_schema::schema_dump(ours.url(), true).size());
}

TEST_CASE("migrate records the same kysely migrations and lock row as the spec", "[schema][migrator]") {
    ThrowawayPostgres ours, reference;
    (void)migrate(ours.url());
    load_reference_schema(reference.url());
    const auto names = "SELECT name FROM bsky.kysely_migration ORDER BY name";
    const auto lock = "SELECT id || '=' || is_locked FROM bsky.kysely_migration_lock";
    CHECK(column(ours.url(), names) == column(reference.url(), names));
    CHECK(column(ours.url(), "SELECT count(*) FROM bsky.kysely_migration") == "61\n");
    CHECK(column(ours.url(), lock) == column(reference.url(), lock));
    CHECK(column(ours.url(), "SELECT count(*) FROM bsky.kysely_migration WHERE timestamp !~ "
                             "'^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z$'") == "0\n");
    const auto params = "SELECT name || '=' || value FROM bsky.view_param ORDER BY name";
    CHECK(column(ours.url(), params) == column(reference.url(), params));
}

TEST_CASE("a second migrate changes nothing", "[schema][migrator]") {
    ThrowawayPostgres db;
    (void)migrate(db.url());
    const auto before = test_schema::schema_dump(db.url(), false);
    const auto bookkeeping = column(db.url(), "SELECT version || name || applied_at FROM bsky.wintermute_migration");
    auto again = migrate(db.url());
    CHECK(again.applied.empty());
    CHECK(again.adopted.empty());
    CHECK(test_schema::describe_differences(test_schema::schema_dump(db.url(), false), before).empty());
    CHECK(column(db.url(), "SELECT version || name || applied_at FROM bsky.wintermute_migration") == bookkeeping);
}

TEST_CASE("migrate refuses a schema it does not know and says what it found", "[schema][migrator]") {
    ThrowawayPostgres db;
    SECTION("tables without bookkeeping") {
        Connection(db.url()).exec("CREATE SCHEMA bsky; CREATE TABLE bsky.stranger (x int)");
        CHECK_THAT(refusal(db.url()), Catch::Contains("stranger"));
    }
    SECTION("a kysely migration this binary does not know") {
        load_reference_schema(db.url());
        Connection(db.url()).exec("INSERT INTO bsky.kysely_migration VALUES ('_20991231T000000000Z', 'x')");
        CHECK_THAT(refusal(db.url()), Catch::Contains("_20991231T000000000Z"));
    }
    SECTION("a newer wintermute migration") {
        (void)migrate(db.url());
        Connection(db.url()).exec(
            "INSERT INTO bsky.wintermute_migration (version, name) VALUES (999, 'from_the_future')");
        CHECK_THAT(refusal(db.url()), Catch::Contains("0999_from_the_future"));
    }
}

TEST_CASE("migrate adopts a schema built by bsky's migrator and applies only wintermute's own migrations",
          "[schema][migrator]") {
    ThrowawayPostgres db, reference;
    load_reference_schema(db.url());
    load_reference_schema(reference.url());
    Connection(db.url()).exec("INSERT INTO bsky.actor (did, \"indexedAt\") VALUES ('did:plc:kept', 'x')");
    auto outcome = migrate(db.url());
    CHECK(outcome.adopted == std::vector<std::string>{"0001_dataplane"});
    // Every migration after the dataplane one is wintermute's own.
    std::vector<std::string> own;
    std::string bookkeeping;
    for (const auto& m : storage::schema::embedded_migrations()) {
        bookkeeping += fmt::format("{}:{}\n", m.version, m.name);
        if (m.version > 1) own.push_back(fmt::format("{:04}_{}", m.version, m.name));
    }
    CHECK(outcome.applied == own);
    CHECK(column(db.url(), "SELECT version || ':' || name FROM bsky.wintermute_migration ORDER BY version") ==
          bookkeeping);
    CHECK(column(db.url(), "SELECT did FROM bsky.actor") == "did:plc:kept\n");
    check_same_schema(db.url(), reference.url());
    CHECK(migrate(db.url()).applied.empty());
}

TEST_CASE("an rsky-wintermute database keeps its sub_state cursors when adopted", "[schema][migrator]") {
    ThrowawayPostgres db;
    load_reference_schema(db.url());
    Connection(db.url()).exec("CREATE TABLE bsky.sub_state (service text PRIMARY KEY, cursor bigint NOT NULL);"
                              "INSERT INTO bsky.sub_state VALUES ('firehose:bsky.network', 42)");
    auto outcome = migrate(db.url());
    CHECK(outcome.adopted == std::vector<std::string>{"0001_dataplane"});
    CHECK(column(db.url(), "SELECT service || '=' || cursor FROM bsky.sub_state") == "firehose:bsky.network=42\n");
}

TEST_CASE("two migrators racing on one database apply each migration once", "[schema][migrator]") {
    ThrowawayPostgres db;
    storage::schema::MigrationOutcome a, b;
    std::string error_a, error_b;
    auto run = [&](storage::schema::MigrationOutcome& out, std::string& error) {
        try {
            Connection conn(db.url());
            auto r = Migrator(conn).run();
            if (r) out = *r;
            else error = r.error().message;
        } catch (const storage::pg::PgError& e) {
            error = e.what();
        }
    };
    {
        std::jthread first(run, std::ref(a), std::ref(error_a));
        std::jthread second(run, std::ref(b), std::ref(error_b));
    }
    CHECK(error_a.empty());
    CHECK(error_b.empty());
    const auto known = storage::schema::embedded_migrations().size();
    CHECK(a.applied.size() + b.applied.size() == known);
    CHECK((a.applied.empty() || b.applied.empty()));
    CHECK(column(db.url(), "SELECT count(*) FROM bsky.wintermute_migration") == fmt::format("{}\n", known));
}

TEST_CASE("a failing migration is rolled back and not recorded", "[schema][migrator]") {
    ThrowawayPostgres db;
    constexpr std::array<std::string_view, 0> none{};
    const std::array<storage::schema::Migration, 2> broken{{
        {1, "one", "CREATE SCHEMA IF NOT EXISTS bsky; CREATE TABLE bsky.one (x int)", none, none},
        {2, "two", "CREATE TABLE bsky.two (x int); SELECT no_such_function()", none, none},
    }};
    Connection conn(db.url());
    try {
        (void)Migrator(conn, broken).run();
        FAIL("the broken migration succeeded");
    } catch (const storage::pg::PgError& e) {
        CHECK(e.context() == "applying migration 0002_two");
        CHECK(e.sqlstate() == "42883");
    }
    CHECK(column(db.url(), "SELECT version FROM bsky.wintermute_migration") == "1\n");
    CHECK(column(db.url(), "SELECT to_regclass('bsky.two') IS NULL") == "t\n");
}

TEST_CASE("wintermute migrate prints what it applied, then that the schema is up to date", "[schema][migrator]") {
    const char* bin = std::getenv("WINTERMUTE_BIN");
    REQUIRE(bin != nullptr);
    ThrowawayPostgres db;
    auto run = [&](const std::string& args) {
        std::FILE* pipe = ::popen(fmt::format("'{}' migrate {} 2>&1", bin, args).c_str(), "r");
        REQUIRE(pipe != nullptr);
        std::string out;
        std::array<char, 4096> buf{};
        while (std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
        const int status = ::pclose(pipe);
        return std::make_pair(WEXITSTATUS(status), out);
    };
    auto first = run("--database-url '" + db.url() + "'");
    CHECK(first.first == 0);
    std::string applied;
    for (const auto& label : all_migration_labels()) applied += "applied " + label + "\n";
    CHECK(first.second == applied);
    auto second = run("--database-url='" + db.url() + "'");
    CHECK(second.first == 0);
    CHECK(second.second == "schema up to date\n");
    ::setenv("DATABASE_URL", db.url().c_str(), 1);
    auto from_env = run("");
    ::unsetenv("DATABASE_URL");
    CHECK(from_env.second == "schema up to date\n");
    const auto next = static_cast<int>(all_migration_labels().size()) + 1;
    Connection(db.url()).exec(
        fmt::format("INSERT INTO bsky.wintermute_migration (version, name) VALUES ({}, 'later')", next));
    auto refused = run("--database-url '" + db.url() + "'");
    CHECK(refused.first == 1);
    CHECK_THAT(refused.second, Catch::Contains(fmt::format("{:04}_later", next)));
}
