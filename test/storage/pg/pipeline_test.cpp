#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "storage/pg/connection.hpp"
#include "storage/pg/error.hpp"
#include "storage/pg/pipeline.hpp"
#include "test/support/throwaway_postgres.hpp"

using storage::pg::Connection;
using storage::pg::Pipeline;

TEST_CASE("a pipeline runs its statements in order and counts the rows they affected", "[storage][pg][pipeline]") {
    test_support::ThrowawayPostgres db;
    Connection conn(db.url());
    conn.exec("CREATE TABLE t (id int4 PRIMARY KEY, body text)");
    {
        Pipeline pipeline(conn);
        for (int i = 0; i < 100; ++i) {
            const std::vector<std::optional<std::string>> params{std::to_string(i),
                                                                 i % 7 == 0 ? std::nullopt : std::optional("b")};
            pipeline.send("INSERT INTO t (id, body) VALUES ($1, $2)", params);
        }
        const std::vector<std::optional<std::string>> none;
        pipeline.send("UPDATE t SET body = 'c' WHERE id < 10", none);
        CHECK(pipeline.sync("inserting") == 110);
    }
    CHECK(std::string(conn.exec("SELECT count(*), count(body) FROM t").value(0, 1)) == "87");  // 15 NULLs, two set
    CHECK(std::string(conn.exec("SELECT body FROM t WHERE id = 9").value(0, 0)) == "c");
}

TEST_CASE("a failing pipelined statement is reported and the connection stays usable", "[storage][pg][pipeline]") {
    test_support::ThrowawayPostgres db;
    Connection conn(db.url());
    conn.exec("CREATE TABLE t (id int4 PRIMARY KEY)");
    {
        Pipeline pipeline(conn);
        const std::vector<std::optional<std::string>> one{"1"};
        pipeline.send("INSERT INTO t (id) VALUES ($1)", one);
        pipeline.send("INSERT INTO t (id) VALUES ($1)", one);  // duplicate key
        pipeline.send("INSERT INTO t (id) VALUES ($1 + 1)", one);
        try {
            pipeline.sync("inserting");
            FAIL("a duplicate key must fail the pipeline");
        } catch (const storage::pg::PgError& e) {
            CHECK(e.sqlstate() == "23505");
        }
    }
    // Outside a transaction the statements up to a sync are one implicit transaction: none stays.
    CHECK(std::string(conn.exec("SELECT count(*) FROM t").value(0, 0)) == "0");
    conn.exec("INSERT INTO t VALUES (5)");
}
