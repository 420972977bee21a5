#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "storage/pg/connection.hpp"
#include "storage/pg/copy_in.hpp"
#include "storage/pg/error.hpp"
#include "test/support/throwaway_postgres.hpp"

using storage::pg::Connection;
using storage::pg::CopyFormat;
using storage::pg::CopyIn;

namespace {

const std::vector<std::optional<std::string>> tricky_values{
    "plain", "back\\slash", "tab\there", "new\nline", "carriage\rreturn", "\\N", "\\.", "all \\\t\n\r of them",
    "unicode: héllo ✓ 🦋 日本語", "", std::nullopt, "\\", "\t\t", "trailing\n",
};

void create_table(Connection& conn) {
    conn.exec("CREATE TABLE t (id int4 NOT NULL, big int8, flag bool, body text, v varchar)");
}

std::uint64_t copy_tricky_values(Connection& conn, CopyFormat format, std::size_t chunk_bytes) {
    CopyIn copy(conn, "t (id, big, flag, body, v)", format, chunk_bytes);
    for (std::size_t i = 0; i < tricky_values.size(); ++i) {
        copy.int4(static_cast<std::int32_t>(i));
        copy.int8(-(std::int64_t{1} << 40) - static_cast<std::int64_t>(i));
        copy.boolean(i % 2 == 0);
        if (tricky_values[i]) copy.text(*tricky_values[i]);
        else copy.null();
        copy.text("v" + std::to_string(i));
        REQUIRE(copy.end_row());
    }
    return copy.finish();
}

void check_round_trip(Connection& conn) {
    auto r = conn.exec("SELECT id, big, flag, body, v FROM t ORDER BY id");
    REQUIRE(r.rows() == static_cast<int>(tricky_values.size()));
    for (int i = 0; i < r.rows(); ++i) {
        INFO("row " << i);
        CHECK(r.value(i, 0) == std::to_string(i));
        CHECK(r.value(i, 1) == std::to_string(-(std::int64_t{1} << 40) - i));
        CHECK(r.value(i, 2) == (i % 2 == 0 ? "t" : "f"));
        const auto body = r.optional_value(i, 3);
        const auto& expected = tricky_values[static_cast<std::size_t>(i)];
        CHECK(body.has_value() == expected.has_value());
        if (body && expected) CHECK(std::string(*body) == *expected);
        CHECK(r.value(i, 4) == "v" + std::to_string(i));
    }
}

}  // namespace

TEST_CASE("COPY round-trips backslash, tab, newline, CR, unicode, empty and NULL in both formats",
          "[pg][copy_in]") {
    test_support::ThrowawayPostgres db;
    Connection conn(db.url());
    create_table(conn);
    for (auto format : {CopyFormat::text, CopyFormat::binary}) {
        for (std::size_t chunk : {std::size_t{1} << 20U, std::size_t{16}}) {
            INFO("format " << (format == CopyFormat::text ? "text" : "binary") << ", chunk " << chunk);
            conn.exec("TRUNCATE t");
            CHECK(copy_tricky_values(conn, format, chunk) == tricky_values.size());
            check_round_trip(conn);
        }
    }
}

TEST_CASE("COPY refuses a row whose text holds NUL, says which field, and keeps the other rows",
          "[pg][copy_in]") {
    test_support::ThrowawayPostgres db;
    Connection conn(db.url());
    create_table(conn);
    for (auto format : {CopyFormat::text, CopyFormat::binary}) {
        conn.exec("TRUNCATE t");
        CopyIn copy(conn, "t (id, body)", format);
        copy.int4(1);
        copy.text("before");
        REQUIRE(copy.end_row());
        copy.int4(2);
        copy.text(std::string_view("nul\0inside", 10));
        auto refused = copy.end_row();
        REQUIRE_FALSE(refused);
        CHECK_THAT(refused.error().message, Catch::Contains("row 2") && Catch::Contains("field 2") &&
                                                Catch::Contains("NUL"));
        copy.int4(3);
        copy.text("after");
        REQUIRE(copy.end_row());
        CHECK(copy.finish() == 2);
        auto r = conn.exec("SELECT string_agg(id::text || body, ',' ORDER BY id) FROM t");
        CHECK(r.value(0, 0) == "1before,3after");
    }
}

TEST_CASE("COPY finish reports the server's error with its SQLSTATE", "[pg][copy_in]") {
    test_support::ThrowawayPostgres db;
    Connection conn(db.url());
    conn.exec("CREATE TABLE u (id int4 PRIMARY KEY)");
    for (auto format : {CopyFormat::text, CopyFormat::binary}) {
        CopyIn copy(conn, "u (id)", format);
        for (int i = 0; i < 2; ++i) {
            copy.int4(7);
            REQUIRE(copy.end_row());
        }
        try {
            (void)copy.finish();
            FAIL("duplicate key accepted");
        } catch (const storage::pg::PgError& e) {
            CHECK(e.sqlstate() == "23505");
        }
    }
    CHECK(conn.exec("SELECT count(*) FROM u").value(0, 0) == "0");
}

TEST_CASE("an unfinished COPY is cancelled by the destructor and the connection stays usable", "[pg][copy_in]") {
    test_support::ThrowawayPostgres db;
    Connection conn(db.url());
    create_table(conn);
    {
        CopyIn copy(conn, "t (id)", CopyFormat::binary, 1);  // chunk 1: every row is sent at once
        copy.int4(1);
        REQUIRE(copy.end_row());
    }
    CHECK(conn.exec("SELECT count(*) FROM t").value(0, 0) == "0");
}

TEST_CASE("a COPY into a missing table throws PgError at the start", "[pg][copy_in]") {
    test_support::ThrowawayPostgres db;
    Connection conn(db.url());
    CHECK_THROWS_AS(CopyIn(conn, "missing (id)", CopyFormat::text), storage::pg::PgError);
    CHECK(conn.exec("SELECT 1").value(0, 0) == "1");
}

TEST_CASE("an empty row is refused", "[pg][copy_in]") {
    test_support::ThrowawayPostgres db;
    Connection conn(db.url());
    create_table(conn);
    CopyIn copy(conn, "t (id)", CopyFormat::text);
    auto refused = copy.end_row();
    REQUIRE_FALSE(refused);
    CHECK_THAT(refused.error().message, Catch::Contains("no fields"));
    CHECK(copy.finish() == 0);
}
