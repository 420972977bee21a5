// The daemon as a process against wintermute-replay: crashes (SIGKILL) and clean restarts end in
// the same database as an uninterrupted run, and malformed frames are skipped without losing
// anything valid. "Same" is checked with the project's compare tool, indexedAt included.
#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "storage/pg/connection.hpp"
#include "test/support/child_process.hpp"
#include "test/support/throwaway_postgres.hpp"

using namespace std::chrono_literals;
using test_support::ChildProcess;
using test_support::ThrowawayPostgres;

namespace {

std::string env(const char* name) {
    const char* value = std::getenv(name);
    REQUIRE(value != nullptr);
    return value;
}

std::string capture(const std::string& name) { return env("WINTERMUTE_SHARED") + "/fixtures/pds-capture/" + name; }

std::string temp_dir() {
    std::string pattern = "/tmp/wintermute-indexer-test.XXXXXX";
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    return pattern;
}

// wintermute-replay serving a firehose capture (and the capture's labels) at `rate` events/s.
struct Relay {
    static inline int next_id = 0;
    std::string log;
    std::unique_ptr<ChildProcess> process;
    std::string url;   // ws:// of the relay and labeler
    std::string http;  // the same server as PLC directory and handle well-known

    // rate 0: full speed. Each relay logs to its own file, so the listening line is its own. `repeat`
    // serves the capture that many times, seqs rewritten to keep increasing (the copies are stale).
    Relay(const std::string& dir, const std::string& firehose, int rate, int repeat = 1)
        : log(fmt::format("{}/replay-{}.log", dir, next_id++)) {
        std::vector<std::string> args{"--repos", firehose, "--labels", capture("labels.frames"), "--port", "0",
                                      "--plc", capture("plc"), "--meta", capture("meta.json"),
                                      "--repeat", std::to_string(repeat)};
        if (rate > 0) args.insert(args.end(), {"--rate", std::to_string(rate)});
        process = std::make_unique<ChildProcess>(env("WINTERMUTE_REPLAY"), args, std::map<std::string, std::string>{}, log);
        auto line = test_support::wait_for_line(log, "listening ", 10s);
        REQUIRE(line);
        url = "ws://" + line->substr(std::strlen("listening "));
        http = "http://" + line->substr(std::strlen("listening "));
    }
};

std::unique_ptr<ChildProcess> start_daemon(const std::string& dir, const std::string& db, const Relay& relay) {
    return std::make_unique<ChildProcess>(
        env("WINTERMUTE_BIN"), std::vector<std::string>{"run"},
        std::map<std::string, std::string>{{"DATABASE_URL", db},
                                           {"RELAY_HOSTS", relay.url},
                                           {"LABELER_HOSTS", relay.url},
                                           {"DATA_DIR", dir + "/data"},
                                           {"PLC_URL", relay.http},
                                           {"HANDLE_WELLKNOWN_BASE_URL", relay.http},
                                           {"ALLOW_PRIVATE_ADDRESSES", "true"},
                                           {"METRICS_PORT", "0"},
                                           {"HEALTH_RELAY_SILENCE_SECS", "2"},
                                           // The live oracle is what the firehose alone gives:
                                           // re-fetching #sync repos would race it.
                                           {"BACKFILLER_ENABLED", "false"},
                                           {"LOG_LEVEL", "info"}},
        dir + "/daemon.log");
}

std::int64_t cursor(const std::string& db, const std::string& key) {
    try {
        storage::pg::Connection conn(db);
        auto r = conn.exec_params("SELECT cursor FROM bsky.sub_state WHERE service = $1", {key});
        return r.rows() == 0 ? -1 : std::stoll(std::string(r.value(0, 0)));
    } catch (const std::exception&) {
        return -1;  // not migrated yet
    }
}

std::string firehose_key(const Relay& relay) { return "firehose:" + relay.url.substr(std::strlen("ws://")); }

bool wait_for_cursor(const std::string& db, const std::string& key, std::int64_t at_least, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (cursor(db, key) >= at_least) return true;
        std::this_thread::sleep_for(50ms);
    }
    return false;
}

// Waits until the daemon has started its pipeline (it then handles SIGTERM as a graceful stop).
void wait_until_started(const std::string& dir) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
        std::ifstream in(dir + "/daemon.log");
        std::string text((std::istreambuf_iterator<char>(in)), {});
        if (text.find("starting from") != std::string::npos) return;
        std::this_thread::sleep_for(20ms);
    }
    FAIL("the daemon did not start");
}

// Runs the daemon until the relay's last seq (the capture's is 2132) is committed, then stops it cleanly.
void run_to_end(const std::string& dir, const std::string& db, const Relay& relay, std::int64_t last = 2132) {
    std::remove((dir + "/daemon.log").c_str());
    auto daemon = start_daemon(dir, db, relay);
    wait_until_started(dir);
    REQUIRE(wait_for_cursor(db, firehose_key(relay), last, 120s));
    daemon->signal(SIGTERM);
    CHECK(daemon->wait(60s) == 0);
}

// Compares every dataplane table and wintermute's account bookkeeping. The migration log (times)
// and sub_state (keyed by each run's relay port) differ by design, so they are emptied first.
bool same_database(const std::string& a, const std::string& b) {
    for (const auto& url : {a, b}) {
        storage::pg::Connection(url).exec("DELETE FROM bsky.wintermute_migration; DELETE FROM bsky.sub_state");
    }
    const auto command = fmt::format("python3 '{}' db '{}' '{}' --with-indexed-at > compare.log 2>&1 || (cat compare.log; exit 1)",
                                     env("WINTERMUTE_COMPARE_TOOL"), a, b);
    return std::system(command.c_str()) == 0;
}

}  // namespace

TEST_CASE("SIGKILL during a replay, then restarts, end in the same database as an uninterrupted run",
          "[indexer][live]") {
    const auto dir = temp_dir();
    ThrowawayPostgres uninterrupted, crashed;
    {
        Relay relay(dir, capture("firehose.frames"), 0);
        run_to_end(dir, uninterrupted.url(), relay);
    }
    // Paced at 500 events/s, the capture takes about four seconds: the kills land mid-stream.
    Relay relay(dir, capture("firehose.frames"), 500);
    std::vector<std::int64_t> cursors_at_kill;
    for (const auto delay : {1500ms, 1000ms, 700ms}) {
        auto daemon = start_daemon(dir, crashed.url(), relay);
        std::this_thread::sleep_for(delay);
        daemon->kill();
        cursors_at_kill.push_back(cursor(crashed.url(), firehose_key(relay)));
    }
    INFO("cursors when killed: " << fmt::format("{}", fmt::join(cursors_at_kill, ", ")));
    // The kills hit the middle of the stream, not only its end.
    CHECK(std::count_if(cursors_at_kill.begin(), cursors_at_kill.end(), [](auto c) { return c < 2132; }) >= 2);
    run_to_end(dir, crashed.url(), relay);
    CHECK(same_database(uninterrupted.url(), crashed.url()));
}

TEST_CASE("a restart after a clean stop resumes from the cursor and indexes nothing twice", "[indexer][live]") {
    const auto dir = temp_dir();
    ThrowawayPostgres uninterrupted, restarted;
    {
        Relay relay(dir, capture("firehose.frames"), 0);
        run_to_end(dir, uninterrupted.url(), relay);
    }
    Relay relay(dir, capture("firehose.frames"), 400);
    {
        std::remove((dir + "/daemon.log").c_str());
        auto daemon = start_daemon(dir, restarted.url(), relay);
        wait_until_started(dir);
        REQUIRE(wait_for_cursor(restarted.url(), firehose_key(relay), 800, 60s));
        daemon->signal(SIGTERM);
        REQUIRE(daemon->wait(60s) == 0);
    }
    const auto saved = cursor(restarted.url(), firehose_key(relay));
    CHECK(saved >= 800);
    CHECK(saved < 2132);
    run_to_end(dir, restarted.url(), relay);
    CHECK(same_database(uninterrupted.url(), restarted.url()));
}

TEST_CASE("SIGTERM at full speed drains what is in flight, exits 0 with the cursor saved and loses nothing",
          "[indexer][live]") {
    const auto dir = temp_dir();
    ThrowawayPostgres uninterrupted, stopped;
    // Enough copies that what is queued and in flight at the SIGTERM cannot be all that is left.
    constexpr int copies = 30;
    constexpr std::int64_t last = copies * 2132;
    {
        Relay relay(dir, capture("firehose.frames"), 0, copies);
        run_to_end(dir, uninterrupted.url(), relay, last);
    }
    Relay relay(dir, capture("firehose.frames"), 0, copies);
    {
        std::remove((dir + "/daemon.log").c_str());
        auto daemon = start_daemon(dir, stopped.url(), relay);
        wait_until_started(dir);
        REQUIRE(wait_for_cursor(stopped.url(), firehose_key(relay), 2132, 120s));
        daemon->signal(SIGTERM);  // the queues are full: the relay serves as fast as the daemon reads
        REQUIRE(daemon->wait(60s) == 0);
    }
    const auto saved = cursor(stopped.url(), firehose_key(relay));
    CHECK(saved >= 2132);
    CHECK(saved < last);
    run_to_end(dir, stopped.url(), relay, last);
    CHECK(same_database(uninterrupted.url(), stopped.url()));
}

TEST_CASE("malformed frames are counted and skipped and everything valid is indexed", "[indexer][live]") {
    const auto dir = temp_dir();
    // The capture with bad frames between its real ones: truncated, not CBOR, an unknown type,
    // and one over the 5 MB frame limit.
    std::ifstream in(capture("firehose.frames"), std::ios::binary);
    std::string file((std::istreambuf_iterator<char>(in)), {});
    std::string dirty;
    auto frame = [&](const std::string& bytes) {
        const auto len = static_cast<std::uint32_t>(bytes.size());
        dirty.append(reinterpret_cast<const char*>(&len), 4);
        dirty += bytes;
    };
    std::size_t pos = 0, index = 0;
    while (pos + 4 <= file.size()) {
        std::uint32_t len = 0;
        std::memcpy(&len, file.data() + pos, 4);
        const std::string real = file.substr(pos + 4, len);
        pos += 4 + len;
        if (index % 400 == 7) frame(real.substr(0, real.size() / 2));
        if (index % 400 == 100) frame("\xff\xfe not cbor at all");
        if (index % 400 == 200) frame(std::string("\xa2\x61\x74\x64#foo\x62op\x01\xa1\x61x\x01", 14));
        if (index == 300) frame(std::string(6 << 20, '\x00'));
        frame(real);
        ++index;
    }
    const auto dirty_path = dir + "/dirty.frames";
    std::ofstream(dirty_path, std::ios::binary) << dirty;

    ThrowawayPostgres clean_db, dirty_db;
    {
        Relay relay(dir, capture("firehose.frames"), 0);
        run_to_end(dir, clean_db.url(), relay);
    }
    Relay relay(dir, dirty_path, 0);
    run_to_end(dir, dirty_db.url(), relay);
    CHECK(same_database(clean_db.url(), dirty_db.url()));
    std::ifstream log(dir + "/daemon.log");
    std::string text((std::istreambuf_iterator<char>(log)), {});
    CHECK(text.find("undecodable frame") != std::string::npos);
}

namespace {

// HTTP status and body of a GET, through the curl command (bootstrap installs it).
std::pair<int, std::string> http_get(const std::string& url) {
    const auto command = fmt::format("curl -s -o - -w '\n%{{http_code}}' '{}'", url);
    std::FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string out;
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
    ::pclose(pipe);
    const auto newline = out.rfind('\n');
    REQUIRE(newline != std::string::npos);
    return {std::stoi(out.substr(newline + 1)), out.substr(0, newline)};
}

// The value of the first sample line of `metric` (with its labels, if given) in a scrape.
double sample(const std::string& scrape, const std::string& metric) {
    std::istringstream lines(scrape);
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with(metric + " ")) return std::stod(line.substr(metric.size() + 1));
    }
    FAIL("no sample " << metric);
    return 0;
}

}  // namespace

TEST_CASE("the daemon serves its metrics and health, turns unhealthy when the relay goes silent, and stops cleanly",
          "[indexer][ops]") {
    const auto dir = temp_dir();
    ThrowawayPostgres db;
    auto relay = std::make_unique<Relay>(dir, capture("firehose.frames"), 0);
    const auto key = firehose_key(*relay);
    auto daemon = start_daemon(dir, db.url(), *relay);
    REQUIRE(wait_for_cursor(db.url(), key, 2132, 120s));
    std::string port;
    {
        std::ifstream in(dir + "/daemon.log");
        std::string text((std::istreambuf_iterator<char>(in)), {});
        const auto at = text.find("dashboard on port ");
        REQUIRE(at != std::string::npos);
        port = text.substr(at + std::strlen("dashboard on port "), text.find('\n', at) - at - std::strlen("dashboard on port "));
    }
    const auto base = "http://127.0.0.1:" + port;
    const auto [metrics_status, scrape] = http_get(base + "/metrics");
    CHECK(metrics_status == 200);
    for (const char* name :
         {"ingester_firehose_live_length", "ingester_firehose_backfill_length", "ingester_label_live_length",
          "indexer_records_failed_total", "backfiller_repos_processed_total", "backfiller_repos_failed_total",
          "backfiller_records_extracted_total", "ingester_websocket_connections", "ingester_errors_total"}) {
        CHECK(scrape.find(name) != std::string::npos);
    }
    // Non-zero where work happened.
    CHECK(sample(scrape, "ingester_firehose_events_total{type=\"commit\"}") == 2024);
    CHECK(sample(scrape, "indexer_records_processed_total") > 2000);
    CHECK(sample(scrape, "indexer_post_events_total") > 0);
    CHECK(sample(scrape, "indexer_like_events_total") > 0);
    CHECK(sample(scrape, "indexer_follow_events_total") > 0);
    CHECK(sample(scrape, "indexer_repost_events_total") > 0);
    CHECK(sample(scrape, "indexer_block_events_total") > 0);
    CHECK(sample(scrape, "indexer_profile_events_total") > 0);
    // Every frame read is committed: none waiting (unwired, the gauge would show the 2132 read).
    CHECK(sample(scrape, "ingester_firehose_live_length") == 0);
    CHECK(scrape.find("indexer_stale_writes_skipped_total") != std::string::npos);
    CHECK(scrape.find("wintermute_stage_items_in_total{stage=\"classify\"}") != std::string::npos);

    const auto [healthy, health_body] = http_get(base + "/_health");
    CHECK(healthy == 200);
    CHECK(health_body.find("\"cursor\":2132") != std::string::npos);
    relay.reset();  // the relay goes away: silence
    std::this_thread::sleep_for(3s);
    CHECK(http_get(base + "/_health").first == 503);
    CHECK(http_get(base + "/").first == 200);

    daemon->signal(SIGTERM);
    CHECK(daemon->wait(60s) == 0);
    CHECK(cursor(db.url(), key) == 2132);
}
