// The daemon's backfill as a process, the capture's repos served by wintermute-replay (as relay,
// PLC directory and PDS): queue_backfill's status reports the repos per state and its requests are
// taken while the daemon runs; SIGKILLs during the backfill, then a restart, end in the same
// database as an uninterrupted run.
#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <thread>
#include <vector>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "storage/pg/connection.hpp"
#include "test/support/child_process.hpp"
#include "test/support/fixtures.hpp"
#include "test/support/throwaway_postgres.hpp"

using namespace std::chrono_literals;
using test_support::eventually;

namespace {

const auto env = test_support::required_env;
const auto run = test_support::run_command;

std::string capture(const std::string& name) { return test_support::shared_path("fixtures/pds-capture/" + name); }

// wintermute-replay as relay (serving `firehose`), PLC directory and PDS of the capture.
struct Network {
    std::unique_ptr<test_support::ChildProcess> process;
    std::string address;

    Network(const std::string& dir, const std::string& firehose) {
        process = std::make_unique<test_support::ChildProcess>(
            env("WINTERMUTE_REPLAY"),
            std::vector<std::string>{"--repos", firehose, "--plc", capture("plc"), "--meta", capture("meta.json"),
                                     "--pds", capture(""), "--port", "0"},
            std::map<std::string, std::string>{}, dir + "/replay.log");
        auto line = test_support::wait_for_line(dir + "/replay.log", "listening ", 10s);
        REQUIRE(line);
        address = line->substr(std::strlen("listening "));
    }
};

// The daemon logs to `data_dir`.log.
std::unique_ptr<test_support::ChildProcess> start_daemon(const std::string& db, const Network& network,
                                                         const std::string& data_dir,
                                                         std::map<std::string, std::string> settings = {}) {
    settings.insert({{"DATABASE_URL", db},
                     {"RELAY_HOSTS", "ws://" + network.address},
                     {"PLC_URL", "http://" + network.address},
                     {"HANDLE_WELLKNOWN_BASE_URL", "http://" + network.address},
                     {"ALLOW_PRIVATE_ADDRESSES", "true"},
                     {"BACKFILLER_ENABLED", "true"},
                     {"BACKFILLER_WORKERS", "2"},
                     // One writer: repos commit in one order, so two runs give the same cross-repo values.
                     {"BACKFILLER_WRITERS", "1"},
                     {"METRICS_PORT", "0"},
                     {"DATA_DIR", data_dir}});
    return std::make_unique<test_support::ChildProcess>(env("WINTERMUTE_BIN"), std::vector<std::string>{"run"},
                                                        settings, data_dir + ".log");
}

std::map<std::string, std::int64_t> states(const std::string& db) {
    std::map<std::string, std::int64_t> out;
    try {
        storage::pg::Connection conn(db);
        auto r = conn.exec("SELECT status, count(*) FROM bsky.backfill_repo GROUP BY status");
        for (int row = 0; row < r.rows(); ++row) {
            out[std::string(r.value(row, 0))] = std::stoll(std::string(r.value(row, 1)));
        }
    } catch (const std::exception&) {
        // not migrated yet
    }
    return out;
}

// Every repo of the capture settled: the 29 it serves indexed, the taken-down and deactivated inactive.
const std::map<std::string, std::int64_t> complete{{"inactive", 2}, {"indexed", 29}};

// Runs the daemon until every repo is settled, then stops it with SIGTERM.
void run_to_complete(const std::string& db, const Network& network, const std::string& data_dir,
                     const std::map<std::string, std::string>& settings) {
    auto daemon = start_daemon(db, network, data_dir, settings);
    REQUIRE(eventually([&] { return states(db) == complete; }, 120s));
    daemon->signal(SIGTERM);
    CHECK(daemon->wait(60s) == 0);
}

// Starts the daemon once per threshold and SIGKILLs it once that many repos are indexed; checks
// that at least `in_the_middle` kills hit the middle of the backfill (some repos indexed, not all).
void kill_at(const std::string& db, const Network& network, const std::string& data_dir,
                                  const std::map<std::string, std::string>& settings,
                                  const std::vector<std::int64_t>& thresholds, long in_the_middle) {
    std::vector<std::int64_t> indexed_at_kill;
    for (const auto threshold : thresholds) {
        auto daemon = start_daemon(db, network, data_dir, settings);
        REQUIRE(eventually([&] { return !states(db).empty() && states(db)["indexed"] >= threshold; }, 120s));
        daemon->kill();
        indexed_at_kill.push_back(states(db)["indexed"]);
    }
    INFO("repos indexed at each kill: " << fmt::format("{}", fmt::join(indexed_at_kill, ", ")));
    CHECK(std::count_if(indexed_at_kill.begin(), indexed_at_kill.end(), [](auto n) { return n > 0 && n < 29; }) >=
          in_the_middle);
}

}  // namespace

TEST_CASE("SIGKILL at several points of the daemon's backfill, then a restart, ends in the same database as an "
          "uninterrupted run", "[indexer][backfill]") {
    std::string dir = "/tmp/wintermute-backfill-kill.XXXXXX";
    REQUIRE(mkdtemp(dir.data()) != nullptr);
    // No firehose: the backfill alone writes, so the two runs can be compared.
    std::ofstream(dir + "/empty.frames").flush();
    Network network(dir, dir + "/empty.frames");
    // Small batches (repos span many transactions) and a small high-water mark (firehose_backfill
    // spills to LMDB and fetching pauses): the kills land inside repos and with ops in the spill.
    // One worker: repos are indexed in listing order in both runs, as a reply's flags depend on
    // whether its root was indexed first (the app-view's rule, racy in its own backfill too).
    const std::map<std::string, std::string> small{{"BACKFILLER_BATCH_SIZE", "40"},
                                                   {"BACKFILLER_OUTPUT_HIGH_WATER_MARK", "300"},
                                                   {"BACKFILLER_WORKERS", "1"}};
    test_support::ThrowawayPostgres uninterrupted, crashed;
    run_to_complete(uninterrupted.url(), network, dir + "/clean", small);
    // The kills hit the middle of the backfill, not only its end.
    kill_at(crashed.url(), network, dir + "/crashed", small, {0, 4, 12, 22}, 2);
    run_to_complete(crashed.url(), network, dir + "/crashed", small);
    // At least one kill left ops in firehose_backfill, which the next start dropped (its repos were
    // fetched again): the end state above does not come from replaying half a repo.
    const auto [dropped_rc, dropped] = run("grep -c 'firehose_backfill: dropped' '" + dir + "/crashed.log'");
    INFO(dropped);
    CHECK(dropped_rc == 0);

    // Bookkeeping that differs by design: migration times, the relay cursor, attempts and times of
    // the repo states (checked above), the listing's finish time. indexedAt is the clock on this
    // path (the compare tool ignores it), and so is a notification's sortAt where it is its
    // record's indexedAt (a record without createdAt).
    for (const auto& url : {uninterrupted.url(), crashed.url()}) {
        storage::pg::Connection(url).exec(
            "DELETE FROM bsky.wintermute_migration; DELETE FROM bsky.sub_state; DELETE FROM bsky.backfill_repo; "
            "DELETE FROM bsky.backfill_enum; UPDATE bsky.notification n SET \"sortAt\" = 'the clock' "
            "FROM bsky.record r WHERE r.uri = n.\"recordUri\" AND n.\"sortAt\" = r.\"indexedAt\"");
    }
    const auto [rc, out] = run(fmt::format("python3 '{}' db '{}' '{}'", env("WINTERMUTE_COMPARE_TOOL"),
                                           uninterrupted.url(), crashed.url()));
    INFO(out);
    CHECK(rc == 0);
}

TEST_CASE("SIGKILL during a backfill with two writers, then a restart, indexes every repo with the rows of an "
          "uninterrupted run", "[indexer][backfill]") {
    std::string dir = "/tmp/wintermute-backfill-kill2.XXXXXX";
    REQUIRE(mkdtemp(dir.data()) != nullptr);
    std::ofstream(dir + "/empty.frames").flush();
    Network network(dir, dir + "/empty.frames");
    // Two writers, each with its own firehose_backfill spill and session; repos commit in no fixed
    // order, so what is compared is what does not depend on it: the rows each repo's records give,
    // and the aggregates' agreement with them (a delta applied twice or lost would show there).
    const std::map<std::string, std::string> two{{"BACKFILLER_BATCH_SIZE", "40"},
                                                 {"BACKFILLER_OUTPUT_HIGH_WATER_MARK", "300"},
                                                 {"BACKFILLER_WORKERS", "2"},
                                                 {"BACKFILLER_WRITERS", "2"}};
    const auto rows = [](const std::string& db) {
        storage::pg::Connection conn(db);
        std::map<std::string, std::string> out;
        for (const char* table : {"record", "post", "like", "repost", "follow", "actor_block", "list", "list_item",
                                  "profile", "feed_item", "actor", "post_embed_image", "quote"}) {
            out[table] = conn.exec(fmt::format("SELECT count(*) FROM bsky.\"{}\"", table)).value(0, 0);
        }
        out["likeCount - likes"] = conn.exec("SELECT (SELECT coalesce(sum(\"likeCount\"), 0) FROM bsky.post_agg) - "
                                             "(SELECT count(*) FROM bsky.\"like\")")
                                       .value(0, 0);
        out["repostCount - reposts"] =
            conn.exec("SELECT (SELECT coalesce(sum(\"repostCount\"), 0) FROM bsky.post_agg) - "
                      "(SELECT count(*) FROM bsky.repost)")
                .value(0, 0);
        return out;
    };
    test_support::ThrowawayPostgres uninterrupted, crashed;
    run_to_complete(uninterrupted.url(), network, dir + "/clean", two);
    kill_at(crashed.url(), network, dir + "/crashed", two, {3, 14}, 1);
    run_to_complete(crashed.url(), network, dir + "/crashed", two);
    const auto expected = rows(uninterrupted.url());
    CHECK(expected.at("like") != "0");
    CHECK(expected.at("likeCount - likes") == "0");
    CHECK(rows(crashed.url()) == expected);
}
