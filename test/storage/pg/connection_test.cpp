#include <catch2/catch.hpp>

#include "storage/pg/connection.hpp"
#include "storage/pg/error.hpp"
#include "storage/pg/text_array.hpp"
#include "test/support/throwaway_postgres.hpp"

using storage::pg::Connection;
using storage::pg::PgError;

TEST_CASE("a refused connection throws PgError naming where it tried", "[pg][connection]") {
    try {
        Connection conn("postgresql://nobody@127.0.0.1:1/nowhere?connect_timeout=2");
        FAIL("connected to a closed port");
    } catch (const PgError& e) {
        CHECK(e.sqlstate().empty());
        CHECK_THAT(e.context(), Catch::Contains("127.0.0.1:1"));
        CHECK_THAT(e.context(), Catch::Contains("nowhere"));
        CHECK_FALSE(e.message().empty());
    }
}

TEST_CASE("a failing statement throws PgError with the SQLSTATE and context", "[pg][connection]") {
    test_support::ThrowawayPostgres db;
    Connection conn(db.url());
    try {
        conn.exec("SELECT * FROM no_such_table", "reading the void");
        FAIL("query on a missing table succeeded");
    } catch (const PgError& e) {
        CHECK(e.sqlstate() == "42P01");
        CHECK(e.context() == "reading the void");
        CHECK_THAT(e.what(), Catch::Contains("no_such_table") && Catch::Contains("42P01"));
    }
    auto after = conn.exec("SELECT 1");
    CHECK(after.value(0, 0) == "1");
}

TEST_CASE("exec_params passes text parameters and NULL", "[pg][connection]") {
    test_support::ThrowawayPostgres db;
    Connection conn(db.url());
    auto r = conn.exec_params("SELECT $1::text, $2::text IS NULL, length($3::text)", {"tab\there", std::nullopt, "ü"});
    REQUIRE(r.rows() == 1);
    CHECK(r.value(0, 0) == "tab\there");
    CHECK(r.value(0, 1) == "t");
    CHECK(r.value(0, 2) == "1");
    CHECK(r.optional_value(0, 0).has_value());
}

TEST_CASE("SearchPath::bsky sets search_path to bsky, public", "[pg][connection]") {
    test_support::ThrowawayPostgres db;
    Connection conn(db.url(), storage::pg::SearchPath::bsky);
    CHECK(conn.exec("SHOW search_path").value(0, 0) == "bsky, public");
    Connection plain(db.url());
    CHECK(plain.exec("SHOW search_path").value(0, 0) != "bsky, public");
}

TEST_CASE("a text_array literal brings back every string as it was, quotes, commas and braces included",
          "[pg][connection]") {
    test_support::ThrowawayPostgres db;
    Connection conn(db.url());
    const std::vector<std::string> values{"did:plc:abc", "a,b", "{x}", "say \"hi\"", "back\\slash", "", "NULL"};
    auto r = conn.exec_params("SELECT v, v IS NULL FROM unnest($1::text[]) WITH ORDINALITY AS t(v, i) ORDER BY i",
                              {storage::pg::text_array(values)});
    REQUIRE(r.rows() == static_cast<int>(values.size()));
    for (int row = 0; row < r.rows(); ++row) {
        CHECK(std::string(r.value(row, 0)) == values[static_cast<std::size_t>(row)]);
        CHECK(std::string(r.value(row, 1)) == "f");
    }
}
