#include "test/support/throwaway_postgres.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <stdexcept>

#include <fmt/core.h>

#include "storage/pg/connection.hpp"
#include "storage/pg/error.hpp"

namespace test_support {

namespace {

std::string env_or_empty(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

// Runs a shell command and returns its stdout; throws if it fails.
std::string run_capture(const std::string& command) {
    std::FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) throw std::runtime_error("popen failed: " + command);
    std::string out;
    std::array<char, 4096> buf{};
    while (std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
    const int status = ::pclose(pipe);
    if (status != 0) throw std::runtime_error(fmt::format("`{}` failed (status {})", command, status));
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

std::string unique_database_name() {
    static std::atomic<int> counter{0};
    std::random_device rd;
    return fmt::format("wt_test_{}_{}_{:08x}", ::getpid(), counter++, rd());
}

}  // namespace

std::string ThrowawayPostgres::with_database(const std::string& url, const std::string& database) {
    const auto scheme = url.find("://");
    if (scheme == std::string::npos) return url + " dbname=" + database;  // keyword/value conninfo
    const auto query = url.find('?', scheme + 3);
    const auto path = url.find('/', scheme + 3);
    const auto host_end = std::min(path, query);
    const std::string rest = query == std::string::npos ? "" : url.substr(query);
    return url.substr(0, host_end) + "/" + database + rest;
}

ThrowawayPostgres::ThrowawayPostgres() {
    server_url_ = env_or_empty("WINTERMUTE_TEST_PG_URL");
    if (server_url_.empty()) server_url_ = cluster_.emplace().url();
    database_ = unique_database_name();
    storage::pg::Connection admin(server_url_);
    admin.exec(fmt::format("CREATE DATABASE \"{}\"", database_), "creating the test database");
    url_ = with_database(server_url_, database_);
}

ThrowawayPostgres::~ThrowawayPostgres() {
    try {
        storage::pg::Connection admin(server_url_);
        admin.exec(fmt::format("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", database_), "dropping");
    } catch (const storage::pg::PgError& e) {
        std::fprintf(stderr, "ThrowawayPostgres: could not drop %s: %s\n", database_.c_str(), e.what());
    }
}

ThrowawayPostgres::Cluster::Cluster() {
    const auto root = env_or_empty("WINTERMUTE_SOURCE_ROOT");
    if (root.empty()) throw std::runtime_error("neither WINTERMUTE_TEST_PG_URL nor WINTERMUTE_SOURCE_ROOT is set");
    script_ = root + "/scripts/throwaway-pg";
    std::string tmpl = "/tmp/wintermute-pg.XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    ::chmod(tmpl.c_str(), 0711);  // as root, the postgres user must reach the cluster below it
    dir_ = tmpl;
    try {
        url_ = run_capture(fmt::format("'{}' start '{}/pg'", script_, dir_));
    } catch (const std::runtime_error&) {
        stop();
        throw;
    }
}

ThrowawayPostgres::Cluster::~Cluster() { stop(); }

void ThrowawayPostgres::Cluster::stop() noexcept {
    const auto command = fmt::format("'{}' stop '{}/pg' >/dev/null 2>&1", script_, dir_);
    if (std::system(command.c_str()) != 0) std::fprintf(stderr, "ThrowawayPostgres: %s failed\n", command.c_str());
    ::rmdir(dir_.c_str());
}

}  // namespace test_support
