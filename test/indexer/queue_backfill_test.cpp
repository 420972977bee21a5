// A running daemon that backfills the capture's repos from wintermute-replay (as relay, PLC
// directory and PDS): queue_backfill's status reports the repos per state and its requests are
// taken while the daemon runs; the daemon's ops port shows the backfill (metrics, health, status).
#include <catch2/catch.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/core.h>

#include "storage/pg/connection.hpp"
#include "test/ops/http_get.hpp"
#include "test/support/child_process.hpp"
#include "test/support/fixtures.hpp"
#include "test/support/replay_daemon.hpp"
#include "test/support/throwaway_postgres.hpp"

using namespace std::chrono_literals;
using test_support::eventually;

namespace {

const auto env = test_support::required_env;
const auto run = test_support::run_command;

std::string capture(const std::string& name) { return env("WINTERMUTE_SHARED") + "/fixtures/pds-capture/" + name; }

// The one value `sql` selects; empty when the query fails (not migrated yet).
std::string text(const std::string& db, const std::string& sql) {
    try {
        storage::pg::Connection conn(db);
        return std::string(conn.exec(sql).value(0, 0));
    } catch (const std::exception&) {
        return {};
    }
}

std::int64_t count(const std::string& db, const std::string& sql) {
    const auto value = text(db, sql);
    return value.empty() ? -1 : std::stoll(value);
}

// The value of the first sample line of `metric` (with its labels) in a scrape; -1 if absent.
double sample(const std::string& scrape, const std::string& metric) {
    std::istringstream lines(scrape);
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with(metric + " ")) return std::stod(line.substr(metric.size() + 1));
    }
    return -1;
}

// Every metric name the Grafana dashboard queries.
std::set<std::string> grafana_metrics() {
    std::ifstream in(env("WINTERMUTE_SOURCE_ROOT") + "/docs/grafana/wintermute.json");
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    const std::regex name(R"re(\b(?:wintermute|ingester|indexer|backfiller)_[a-z_]+)re");
    std::set<std::string> names;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), name); it != std::sregex_iterator(); ++it) {
        names.insert(it->str());
    }
    return names;
}

// wintermute-replay as relay, PLC directory and PDS, and the daemon backfilling the capture's repos from it.
struct BackfillingDaemon {
    std::string dir = "/tmp/wintermute-queue-backfill.XXXXXX";
    test_support::ThrowawayPostgres db;
    std::optional<test_support::ChildProcess> relay;
    std::optional<test_support::ChildProcess> daemon;

    BackfillingDaemon() {
        REQUIRE(mkdtemp(dir.data()) != nullptr);
        relay.emplace(env("WINTERMUTE_REPLAY"),
                      std::vector<std::string>{"--repos", capture("firehose.frames"), "--plc", capture("plc"), "--meta",
                                               capture("meta.json"), "--pds",
                                               env("WINTERMUTE_SHARED") + "/fixtures/pds-capture", "--port", "0"},
                      std::map<std::string, std::string>{}, dir + "/replay.log");
        auto line = test_support::wait_for_line(dir + "/replay.log", "listening ", 10s);
        REQUIRE(line);
        const auto address = line->substr(std::strlen("listening "));
        daemon.emplace(env("WINTERMUTE_BIN"), std::vector<std::string>{"run"},
                       test_support::replay_daemon_env(db.url(), address, dir + "/data"), dir + "/daemon.log");
        // Settled: the whole firehose committed (its #sync events re-queue repos) and every repo indexed, twice
        // a second apart (a re-queued repo is marked `fetching` only when a worker takes it).
        const auto settled = fmt::format(
            "SELECT count(*) FILTER (WHERE status = 'indexed') = 29 AND count(*) FILTER (WHERE status IN "
            "('queued', 'fetching')) = 0 AND (SELECT cursor FROM bsky.sub_state WHERE service = 'firehose:{}') = 2132 "
            "FROM bsky.backfill_repo",
            address);
        const auto is_settled = [&] { return text(db.url(), settled) == "t"; };
        REQUIRE(eventually([&] { return is_settled() && (std::this_thread::sleep_for(1s), is_settled()); }, 120s));
    }

    ~BackfillingDaemon() {
        daemon.reset();
        relay.reset();
        std::filesystem::remove_all(dir);
    }
    BackfillingDaemon(const BackfillingDaemon&) = delete;
    BackfillingDaemon& operator=(const BackfillingDaemon&) = delete;

    [[nodiscard]] std::string ops_base() const {
        const auto base = test_support::ops_base_url(dir + "/daemon.log", 30s);
        REQUIRE(base);
        return *base;
    }

    void stop() {
        daemon->signal(SIGTERM);
        CHECK(daemon->wait(60s) == 0);
    }
};

}  // namespace

TEST_CASE("queue_backfill reports progress and its requests are taken by the running daemon", "[indexer][backfill]") {
    BackfillingDaemon running;
    const auto& db = running.db;
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
    running.stop();
}

TEST_CASE("the daemon's /metrics, /_health and /api/status show the backfill's progress, and Grafana's queries find "
          "their metrics",
          "[indexer][backfill][ops]") {
    BackfillingDaemon running;
    const auto base = running.ops_base();
    std::string scrape;
    // Repos per state are counted every few seconds on the reporter's own thread.
    CHECK(eventually(
        [&] {
            scrape = test_ops::http_get(base + "/metrics").body;
            return sample(scrape, "wintermute_backfill_repos{state=\"indexed\"}") == 29 &&
                   sample(scrape, "wintermute_backfill_repos_remaining") == 0;
        },
        30s));
    INFO(scrape);
    CHECK(sample(scrape, "backfiller_repos_processed_total") >= 29);
    CHECK(sample(scrape, "backfiller_records_extracted_total") > 1000);
    CHECK(sample(scrape, "wintermute_stage_items_out_total{stage=\"backfill_write\"}") > 1000);
    CHECK(sample(scrape, "wintermute_stage_busy_seconds_total{stage=\"repo_fetch\"}") > 0);
    CHECK(sample(scrape, "wintermute_queue_capacity{queue=\"firehose_backfill\"}") > 0);
    CHECK(sample(scrape, "wintermute_queue_depth{queue=\"repo_backfill\"}") == 0);
    CHECK(sample(scrape, "ingester_firehose_backfill_length") == 0);
    for (const auto& name : grafana_metrics()) {
        INFO(name);
        CHECK(scrape.find("\n" + name) != std::string::npos);
    }

    const auto health = test_ops::http_get(base + "/_health");
    CHECK(health.status == 200);
    CHECK(health.body.find("\"indexed\":29") != std::string::npos);
    CHECK(health.body.find("\"records_extracted\":0") == std::string::npos);
    const auto status = test_ops::http_get(base + "/api/status").body;
    for (const char* stage : {"repo_fetch", "repo_classify", "backfill_write"}) {
        CHECK(status.find(fmt::format("\"name\":\"{}\",\"lane\":\"backfill\"", stage)) != std::string::npos);
    }
    running.stop();
}
