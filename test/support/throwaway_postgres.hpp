// ThrowawayPostgres: a fresh, uniquely named PostgreSQL database for one test.
// With WINTERMUTE_TEST_PG_URL set (scripts/test) it is created on that server;
// otherwise the fixture starts its own cluster with scripts/throwaway-pg (found
// through WINTERMUTE_SOURCE_ROOT; as root the cluster runs as `postgres`).
// The destructor drops the database (WITH (FORCE)) and stops its own cluster.
// Not thread-safe; one instance per test. Throws std::runtime_error on setup failure.
#pragma once

#include <optional>
#include <string>

namespace test_support {

class ThrowawayPostgres {
public:
    ThrowawayPostgres();
    ~ThrowawayPostgres();
    ThrowawayPostgres(const ThrowawayPostgres&) = delete;
    ThrowawayPostgres& operator=(const ThrowawayPostgres&) = delete;

    // URL of the fresh database.
    [[nodiscard]] const std::string& url() const noexcept { return url_; }
    [[nodiscard]] const std::string& database() const noexcept { return database_; }
    // URL of the server's maintenance database `postgres` (to create more databases).
    [[nodiscard]] const std::string& server_url() const noexcept { return server_url_; }
    // The cluster directory when the fixture started its own; empty otherwise.
    [[nodiscard]] std::string cluster_dir() const { return cluster_ ? cluster_->dir() : std::string(); }

    // `url` with its database replaced by `database`.
    [[nodiscard]] static std::string with_database(const std::string& url, const std::string& database);

private:
    // A cluster of our own, stopped and removed by the destructor.
    class Cluster {
    public:
        Cluster();
        ~Cluster();
        Cluster(const Cluster&) = delete;
        Cluster& operator=(const Cluster&) = delete;
        [[nodiscard]] const std::string& dir() const noexcept { return dir_; }
        [[nodiscard]] const std::string& url() const noexcept { return url_; }

    private:
        void stop() noexcept;
        std::string script_;
        std::string dir_;
        std::string url_;
    };

    std::optional<Cluster> cluster_;  // declared first: outlives the database dropped in ~ThrowawayPostgres
    std::string server_url_;
    std::string database_;
    std::string url_;
};

}  // namespace test_support
