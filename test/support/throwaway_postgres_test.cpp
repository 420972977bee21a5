#include <catch2/catch.hpp>

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "storage/pg/connection.hpp"
#include "storage/pg/error.hpp"
#include "test/support/throwaway_postgres.hpp"

using storage::pg::Connection;
using test_support::ThrowawayPostgres;

namespace {

// Sets or unsets an environment variable for one scope.
class EnvOverride {
public:
    EnvOverride(const char* name, const std::optional<std::string>& value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value) ::setenv(name, value->c_str(), 1);
        else ::unsetenv(name);
    }
    ~EnvOverride() {
        if (old_) ::setenv(name_, old_->c_str(), 1);
        else ::unsetenv(name_);
    }
    EnvOverride(const EnvOverride&) = delete;
    EnvOverride& operator=(const EnvOverride&) = delete;

private:
    const char* name_;
    std::optional<std::string> old_;
};

bool database_exists(const std::string& server_url, const std::string& name) {
    Connection admin(server_url);
    return admin.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", {name}).rows() == 1;
}

}  // namespace

TEST_CASE("without a server URL the fixture runs its own cluster, as postgres under root, and removes it",
          "[support][throwaway_postgres]") {
    EnvOverride no_server("WINTERMUTE_TEST_PG_URL", std::nullopt);
    std::string dir, url;
    {
        ThrowawayPostgres pg;
        dir = pg.cluster_dir();
        url = pg.url();
        REQUIRE_FALSE(dir.empty());
        Connection conn(url);
        CHECK(conn.exec("SELECT current_database()").value(0, 0) == pg.database());
        struct stat st{};
        REQUIRE(::stat((dir + "/pg/data").c_str(), &st) == 0);
        if (::geteuid() == 0) {
            const passwd* postgres = ::getpwnam("postgres");
            REQUIRE(postgres != nullptr);
            CHECK(st.st_uid == postgres->pw_uid);
        } else {
            CHECK(st.st_uid == ::geteuid());
        }
    }
    CHECK_FALSE(std::filesystem::exists(dir));
    CHECK_THROWS_AS(Connection(url + "?connect_timeout=2"), storage::pg::PgError);
}

TEST_CASE("on a given server the fixture creates a uniquely named database and drops it afterwards",
          "[support][throwaway_postgres]") {
    // Use scripts/test's server when there is one, else a cluster of our own as "the server".
    std::optional<ThrowawayPostgres> own_server;
    const char* given = std::getenv("WINTERMUTE_TEST_PG_URL");
    const std::string server = given ? std::string(given) : own_server.emplace().server_url();
    EnvOverride use_server("WINTERMUTE_TEST_PG_URL", server);

    std::string first_name;
    {
        ThrowawayPostgres first;
        ThrowawayPostgres second;
        first_name = first.database();
        CHECK(first.database() != second.database());
        CHECK(first.cluster_dir().empty());
        CHECK(database_exists(server, first.database()));
        Connection held_open(first.url());  // DROP … WITH (FORCE) must not be blocked by it
        CHECK(held_open.exec("SELECT current_database()").value(0, 0) == first.database());
        CHECK(database_exists(server, second.database()));
    }
    CHECK_FALSE(database_exists(server, first_name));
}

TEST_CASE("with_database replaces the database of a URL and keeps its parameters", "[support][throwaway_postgres]") {
    CHECK(ThrowawayPostgres::with_database("postgresql://u@h:5/postgres", "x") == "postgresql://u@h:5/x");
    CHECK(ThrowawayPostgres::with_database("postgresql://u@h:5", "x") == "postgresql://u@h:5/x");
    CHECK(ThrowawayPostgres::with_database("postgresql://u@h:5/db?sslmode=disable", "x") ==
          "postgresql://u@h:5/x?sslmode=disable");
}
