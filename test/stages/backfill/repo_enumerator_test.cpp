// RepoEnumerator against pds-capture's listRepos pages served over HTTP on 127.0.0.1 by the replay
// server: what it queues, what it skips, and that it resumes and remembers a finished listing.
#include <catch2/catch.hpp>

#include <atomic>
#include <fstream>

#include <simdjson.h>

#include "common/log.hpp"
#include "replay/replay_server.hpp"
#include "stages/backfill/repo_enumerator.hpp"
#include "storage/schema/migrator.hpp"
#include "test/storage/temp_dir.hpp"
#include "test/support/fixtures.hpp"
#include "test/support/throwaway_postgres.hpp"

namespace {

using stages::backfill::RepoEnumerator;

// Serves listRepos.json page by page: no cursor → the first page, page i's cursor → page i+1.
// Requests for the page after `fail_after` answer 500 while `failing` is set.
struct ListReposServer {
    std::vector<std::string> pages;
    std::vector<std::string> cursors;
    std::atomic<int> requests{0};
    std::atomic<bool> failing{false};
    std::size_t fail_after = 0;
    std::unique_ptr<replay::ReplayServer> server;

    ListReposServer() {
        simdjson::dom::parser parser;
        simdjson::dom::array all = parser.load(test_support::shared_path("fixtures/pds-capture/listRepos.json"));
        for (simdjson::dom::element page : all) {
            pages.push_back(simdjson::minify(page));
            std::string_view cursor;
            cursors.emplace_back(page["cursor"].get(cursor) == simdjson::SUCCESS ? cursor : "");
        }
        replay::HttpRoute route{"/xrpc/com.atproto.sync.listRepos", [this](const replay::HttpRequest& request) {
                                    ++requests;
                                    std::size_t index = 0;
                                    if (auto cursor = request.param("cursor")) {
                                        while (index < cursors.size() && cursors[index] != *cursor) ++index;
                                        ++index;
                                    }
                                    if (index >= pages.size()) return replay::HttpResponse{400, "text/plain", "?"};
                                    if (failing && index > fail_after) {
                                        return replay::HttpResponse{500, "text/plain", "down"};
                                    }
                                    return replay::HttpResponse{200, "application/json", pages[index]};
                                }};
        static const common::Log log(spdlog::level::warn);
        auto started = replay::ReplayServer::start({}, {}, {route}, log.component("replay"));
        REQUIRE(started);
        server = std::move(*started);
    }
    [[nodiscard]] std::string url() const { return fmt::format("http://127.0.0.1:{}", server->port()); }
};

struct Fixture {
    test_support::ThrowawayPostgres db;
    test_support::TempDir dir;
    std::optional<storage::pg::Connection> conn;
    std::optional<storage::spill::KeyedSpillQueue> queue;
    std::optional<net::HttpClient> http;
    stages::backfill::EnumerateConfig config{.page_limit = 10, .retry_initial = std::chrono::milliseconds(10)};
    ListReposServer listing;

    Fixture() {
        conn.emplace(db.url());
        REQUIRE(storage::schema::Migrator(*conn).run());
        queue.emplace(storage::spill::SpillConfig{.path = dir.path() / "repo_backfill"});
        static const common::Log log(spdlog::level::warn);
        http.emplace(net::HttpClientConfig{.allow_private_addresses = true}, log.component("http"));
    }
    common::Result<stages::backfill::EnumerateSummary> run(bool again = false) {
        RepoEnumerator enumerator(*http, *conn, [this](auto pushes) { queue->push(pushes); }, config);
        return enumerator.run(listing.url(), std::stop_token{}, again);
    }
    std::string query(const std::string& sql) {
        auto r = conn->exec(sql, "test query");
        std::string out;
        for (int row = 0; row < r.rows(); ++row) out += std::string(r.value(row, 0)) + "\n";
        return out;
    }
};

}  // namespace

TEST_CASE("enumeration queues every active listed repo once and records inactive ones", "[backfill][enumerator]") {
    Fixture f;
    auto summary = f.run();
    REQUIRE(summary);
    CHECK(summary->pages == 5);
    CHECK(summary->listed == 31);
    CHECK(summary->queued == 29);
    CHECK(summary->inactive == 2);
    CHECK(f.queue->counts().items == 29);
    CHECK(f.query("SELECT status || ' ' || count(*) FROM bsky.backfill_repo GROUP BY status ORDER BY 1") ==
          "inactive 2\nqueued 29\n");
    CHECK(f.query("SELECT \"repoRev\" FROM bsky.actor_sync WHERE did = 'did:plc:6fsvw6taqqovmn2uzlocftqd'") ==
          "3n3bpfu53wa2r\n");
    CHECK(f.query("SELECT listed || ' ' || (cursor IS NULL) || ' ' || (finished_at IS NOT NULL) "
                  "FROM bsky.backfill_enum") == "31 true true\n");
}

TEST_CASE("a finished enumeration is not walked again unless asked", "[backfill][enumerator]") {
    Fixture f;
    REQUIRE(f.run());
    const int requests = f.listing.requests;
    auto again = f.run();
    REQUIRE(again);
    CHECK(again->already_finished);
    CHECK(f.listing.requests == requests);
    auto forced = f.run(true);
    REQUIRE(forced);
    CHECK(forced->pages == 5);
    CHECK(f.queue->counts().items == 29);  // the same keys: deduplicated
}

TEST_CASE("an interrupted enumeration resumes from its saved cursor", "[backfill][enumerator]") {
    Fixture f;
    f.config.attempts = 2;
    f.listing.fail_after = 1;
    f.listing.failing = true;
    auto failed = f.run();
    REQUIRE_FALSE(failed);
    CHECK(failed.error().message.find("HTTP 500") != std::string::npos);
    CHECK(f.query("SELECT cursor || ' ' || listed || ' ' || (finished_at IS NULL) FROM bsky.backfill_enum") ==
          f.listing.cursors[1] + " 20 true\n");
    CHECK(f.queue->counts().items == 18);  // the first two pages list both inactive repos
    f.listing.failing = false;
    auto resumed = f.run();
    REQUIRE(resumed);
    CHECK(resumed->pages == 3);
    CHECK(f.queue->counts().items == 29);
}

TEST_CASE("a repo already backfilled at its listed rev is not queued again", "[backfill][enumerator]") {
    Fixture f;
    // alice indexed at her listed rev; bob indexed at an older one; carol failed.
    f.conn->exec("INSERT INTO bsky.backfill_repo (did, status, rev) VALUES "
                 "('did:plc:6hf3ere46otfb636zn7mt2lv', 'indexed', '3n3bpfuuezz2r'), "
                 "('did:plc:nuftpih56uyxinjh4horny7z', 'indexed', '3n2aaaaaaaaaa'), "
                 "('did:plc:ysgejvukp4usq2f5gbfmbjhl', 'failed', NULL)");
    auto summary = f.run();
    REQUIRE(summary);
    CHECK(summary->queued == 27);
    CHECK(summary->current == 2);
    CHECK_FALSE(f.queue->contains("did:plc:6hf3ere46otfb636zn7mt2lv"));
    CHECK(f.queue->contains("did:plc:nuftpih56uyxinjh4horny7z"));
    CHECK_FALSE(f.queue->contains("did:plc:ysgejvukp4usq2f5gbfmbjhl"));
    CHECK(f.query("SELECT status FROM bsky.backfill_repo WHERE did = 'did:plc:nuftpih56uyxinjh4horny7z'") ==
          "queued\n");
}
