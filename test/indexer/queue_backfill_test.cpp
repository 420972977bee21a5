// queue_backfill against a running daemon that backfills the capture's repos from
// wintermute-replay (as relay, PLC directory and PDS): status reports the repos per state, and
// requests are taken by the daemon while it runs.
#include <catch2/catch.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <fmt/core.h>

#include "storage/pg/connection.hpp"
#include "test/support/child_process.hpp"
#include "test/support/throwaway_postgres.hpp"

using namespace std::chrono_literals;

namespace {

std::string env(const char* name) {
    const char* value = std::getenv(name);
    REQUIRE(value != nullptr);
    return value;
}

std::string capture(const std::string& name) { return env("WINTERMUTE_SHARED") + "/fixtures/pds-capture/" + name; }

// Exit status and output of a command.
std::pair<int, std::string> run(const std::string& command) {
    std::FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string out;
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
    const int status = ::pclose(pipe);
    return {WEXITSTATUS(status), out};
}

std::int64_t count(const std::string& db, const std::string& sql) {
    try {
        storage::pg::Connection conn(db);
        return std::stoll(std::string(conn.exec(sql).value(0, 0)));
    } catch (const std::exception&) {
        return -1;
    }
}

bool eventually(const std::function<bool()>& done, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (done()) return true;
        std::this_thread::sleep_for(100ms);
    }
    return false;
}

}  // namespace

TEST_CASE("queue_backfill reports progress and its requests are taken by the running daemon", "[indexer][backfill]") {
    std::string dir = "/tmp/wintermute-queue-backfill.XXXXXX";
    REQUIRE(mkdtemp(dir.data()) != nullptr);
    test_support::ThrowawayPostgres db;
    test_support::ChildProcess relay(
        env("WINTERMUTE_REPLAY"),
        {"--repos", capture("firehose.frames"), "--plc", capture("plc"), "--meta", capture("meta.json"), "--pds",
         env("WINTERMUTE_SHARED") + "/fixtures/pds-capture", "--port", "0"},
        {}, dir + "/replay.log");
    auto line = test_support::wait_for_line(dir + "/replay.log", "listening ", 10s);
    REQUIRE(line);
    const auto address = line->substr(std::strlen("listening "));
    test_support::ChildProcess daemon(env("WINTERMUTE_BIN"), {"run"},
                                      {{"DATABASE_URL", db.url()},
                                       {"RELAY_HOSTS", "ws://" + address},
                                       {"PLC_URL", "http://" + address},
                                       {"HANDLE_WELLKNOWN_BASE_URL", "http://" + address},
                                       {"ALLOW_PRIVATE_ADDRESSES", "true"},
                                       {"BACKFILLER_ENABLED", "true"},
                                       {"BACKFILLER_WORKERS", "2"},
                                       {"METRICS_PORT", "0"},
                                       {"DATA_DIR", dir + "/data"}},
                                      dir + "/daemon.log");
    const auto indexed = "SELECT count(*) FROM bsky.backfill_repo WHERE status = 'indexed'";
    REQUIRE(eventually([&] { return count(db.url(), indexed) == 29; }, 120s));

    const auto tool = fmt::format("DATABASE_URL='{}' '{}'", db.url(), env("WINTERMUTE_QUEUE_BACKFILL"));
    const auto [status_rc, status] = run(tool + " status");
    INFO(status);
    CHECK(status_rc == 0);
    CHECK(status.find("indexed    29") != std::string::npos);
    // The taken-down and deactivated repos (their PDS refuses getRepo); the live stream may add more.
    CHECK(status.find("inactive") != std::string::npos);
    CHECK(status.find("ETA") != std::string::npos);

    const auto [queued_rc, queued] =
        run(tool + " dids --did did:plc:6hf3ere46otfb636zn7mt2lv --priority immediate");
    CHECK(queued_rc == 0);
    CHECK(queued.find("queued 1 repos") != std::string::npos);
    // The daemon takes the request (and re-checks the repo, already indexed at its rev).
    CHECK(eventually([&] { return count(db.url(), "SELECT count(*) FROM wintermute.backfill_request") == 0; }, 30s));

    CHECK(run(tool + " dids --did not-a-did").first == 1);
    CHECK(run(tool + " bogus").first == 2);

    daemon.signal(SIGTERM);
    CHECK(daemon.wait(60s) == 0);
}
