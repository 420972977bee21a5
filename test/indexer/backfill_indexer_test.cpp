// BackfillIndexer in-process against wintermute-replay's routes on 127.0.0.1 standing in for the
// pds-capture's relay, PDS and PLC directory: listRepos → repo_backfill → DID → PDS → getRepo →
// classify → the backfill writer. The result is checked against the app-view's own backfill
// (reference-backfill.sql.gz), and a failing PDS or an oversized CAR fails only its repo.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <future>
#include <thread>

#include "common/log.hpp"
#include "indexer/backfill_indexer.hpp"
#include "replay/identity_routes.hpp"
#include "replay/replay_server.hpp"
#include "replay/repo_routes.hpp"
#include "storage/pg/connection.hpp"
#include "storage/schema/migrator.hpp"
#include "test/stages/backfill/capture_repos.hpp"
#include "test/storage/temp_dir.hpp"
#include "test/support/fixtures.hpp"
#include "test/support/http_test_server.hpp"
#include "test/support/throwaway_postgres.hpp"

using namespace std::chrono_literals;

namespace {

const common::Log& test_log() {
    static const common::Log log(spdlog::level::warn);
    return log;
}

std::string capture(const std::string& name) { return test_support::shared_path("fixtures/pds-capture/" + name); }

using Handler = std::function<replay::HttpResponse(const replay::HttpRequest&)>;
// Sees every request with the route's own handler: answers, or changes what `inner` answers.
using Hook = std::function<replay::HttpResponse(const replay::HttpRequest&, const Handler& inner)>;

const std::string get_repo = "/xrpc/com.atproto.sync.getRepo";

// The capture's network on one loopback server (one thread: a hook that waits holds every request).
struct Network {
    std::shared_ptr<std::string> self = std::make_shared<std::string>();
    std::unique_ptr<replay::ReplayServer> server;

    explicit Network(const Hook& hook = {}) {
        auto routes = replay::identity_routes(capture("plc"), capture("meta.json"), self);
        REQUIRE(routes);
        auto repos = replay::repo_routes(capture(""));
        REQUIRE(repos);
        routes->insert(routes->end(), repos->begin(), repos->end());
        if (hook) {
            for (auto& route : *routes) {
                route.handler = [inner = route.handler, hook](const replay::HttpRequest& r) { return hook(r, inner); };
            }
        }
        auto started = replay::ReplayServer::start({}, {}, std::move(*routes), test_log().component("replay"));
        REQUIRE(started);
        server = std::move(*started);
        *self = fmt::format("http://127.0.0.1:{}", server->port());
    }
};

struct Backfill {
    test_support::TempDir dir;
    std::unique_ptr<stages::identity::IdentityResolver> resolver;
    std::unique_ptr<indexer::BackfillIndexer> indexer;

    Backfill(const std::string& db, const Network& network, std::size_t max_car_bytes = std::size_t{1} << 30,
             std::size_t workers = 1, std::size_t writers = 1) {
        stages::identity::IdentityConfig identity;
        identity.plc_url = *network.self;
        identity.handle_wellknown_base_url = *network.self;
        identity.allow_private_addresses = true;
        identity.cache_dir = dir.path() / "identity";
        std::filesystem::create_directories(identity.cache_dir);
        auto created = stages::identity::IdentityResolver::create(identity, test_log().component("identity"));
        REQUIRE(created);
        resolver = std::move(*created);
        indexer::BackfillSettings settings;
        settings.database_url = db;
        settings.queue_dir = dir.path() / "repo_backfill";
        settings.enumerate = {*network.self};
        settings.workers = workers;  // 1: the reference's order within the listing, deterministic results
        settings.writers = writers;
        settings.allow_private_addresses = true;
        settings.fetch.max_car_bytes = max_car_bytes;
        settings.fetch.attempts = 2;
        settings.fetch.retry_initial = 10ms;
        settings.writer.database_url = db;
        settings.writer.batch_ops = 100;  // repos span several transactions
        // firehose_backfill spills (memory holds 50 ops) and fetching pauses beyond 300 waiting ops.
        settings.writer.spill_dir = dir.path() / "firehose_backfill";
        settings.writer.memory_ops = 50;
        settings.writer.max_waiting_ops = 300;
        settings.clock = test_backfill::reference_clock();
        indexer = std::make_unique<indexer::BackfillIndexer>(std::move(settings), *resolver, test_log());
        REQUIRE(indexer->start());
    }
};

std::map<std::string, std::string> states(const std::string& db) {
    storage::pg::Connection conn(db);
    auto r = conn.exec("SELECT status, count(*) FROM bsky.backfill_repo GROUP BY status", "counting");
    std::map<std::string, std::string> out;
    for (int row = 0; row < r.rows(); ++row) out[std::string(r.value(row, 0))] = r.value(row, 1);
    return out;
}

void migrate(const std::string& url) {
    storage::pg::Connection conn(url);
    REQUIRE(storage::schema::Migrator(conn).run());
}

}  // namespace

TEST_CASE("the backfill indexer backfills every repo of the capture as the app-view's backfill did",
          "[indexer][backfill]") {
    test_support::ThrowawayPostgres db;
    migrate(db.url());
    // The reference indexed the repos one after another in DID order: asked for in that order
    // (queue_backfill's requests go ahead of the listing), one worker keeps it.
    {
        auto repos = test_backfill::listed_repos();
        std::sort(repos.begin(), repos.end(), [](const auto& a, const auto& b) { return a.did < b.did; });
        storage::pg::Connection conn(db.url());
        for (const auto& repo : repos) {
            conn.exec_params("INSERT INTO wintermute.backfill_request (kind, did, priority) VALUES ('did', $1, 'priority')",
                             {repo.did});
        }
    }
    Network network;
    Backfill backfill(db.url(), network);
    REQUIRE(backfill.indexer->settle(120s));
    CHECK(backfill.indexer->queue()->counts().items == 0);
    CHECK(states(db.url()) == std::map<std::string, std::string>{{"inactive", "2"}, {"indexed", "29"}});
    test_backfill::check_equals_reference_but_races(db.url());
}

TEST_CASE("two writers backfill every repo, each on its own connection, with the rows one writer writes",
          "[indexer][backfill]") {
    // Rows per table that do not depend on which repo commits first.
    const auto rows = [](const std::string& db) {
        storage::pg::Connection conn(db);
        return std::string(conn.exec("SELECT (SELECT count(*) FROM bsky.record) || ' ' || (SELECT count(*) FROM "
                                     "bsky.post) || ' ' || (SELECT count(*) FROM bsky.\"like\") || ' ' || (SELECT "
                                     "count(*) FROM bsky.follow) || ' ' || (SELECT count(*) FROM bsky.repost) || ' ' "
                                     "|| (SELECT count(*) FROM bsky.list_item) || ' ' || (SELECT count(*) FROM "
                                     "bsky.actor)")
                               .value(0, 0));
    };
    Network network;
    test_support::ThrowawayPostgres one, two;
    for (auto* db : {&one, &two}) {
        migrate(db->url());
        Backfill backfill(db->url(), network, std::size_t{1} << 30, 4, db == &one ? 1 : 2);
        REQUIRE(backfill.indexer->settle(120s));
        CHECK(states(db->url()) == std::map<std::string, std::string>{{"inactive", "2"}, {"indexed", "29"}});
        // Idle writers take turns, so each got repos and holds its session.
        CHECK(backfill.indexer->metrics().writer.connections == (db == &one ? 1U : 2U));
    }
    CHECK(rows(two.url()) == rows(one.url()));
    CHECK(rows(one.url()).starts_with("0 ") == false);
}

TEST_CASE("a failing PDS and an oversized CAR fail their repos only, with the reason recorded",
          "[indexer][backfill]") {
    test_support::ThrowawayPostgres db;
    migrate(db.url());
    // The largest CAR goes over the limit; another repo's PDS answers 500.
    std::string largest, failing;
    std::uintmax_t largest_size = 0;
    for (const auto& entry : std::filesystem::directory_iterator(capture("repos"))) {
        const auto did = entry.path().stem().string();
        if (entry.file_size() > largest_size) largest_size = entry.file_size(), largest = did;
    }
    for (const auto& entry : std::filesystem::directory_iterator(capture("repos"))) {
        if (entry.path().stem().string() != largest) failing = entry.path().stem().string();
    }
    Network network([&](const replay::HttpRequest& request, const Handler& inner) {
        if (request.path == get_repo && request.param("did") == failing) {
            return replay::HttpResponse{500, "text/plain", "down"};
        }
        return inner(request);
    });
    Backfill backfill(db.url(), network, largest_size - 1);
    REQUIRE(backfill.indexer->settle(120s));
    CHECK(states(db.url()) == std::map<std::string, std::string>{{"failed", "2"}, {"inactive", "2"}, {"indexed", "27"}});
    storage::pg::Connection conn(db.url());
    auto r = conn.exec_params("SELECT last_error FROM bsky.backfill_repo WHERE did = $1", {largest});
    REQUIRE(r.rows() == 1);
    CHECK(std::string(r.value(0, 0)).find("CAR larger than the limit") != std::string::npos);
    r = conn.exec_params("SELECT last_error, attempts FROM bsky.backfill_repo WHERE did = $1", {failing});
    REQUIRE(r.rows() == 1);
    CHECK(std::string(r.value(0, 0)).find("HTTP 500") != std::string::npos);
    // Nothing of the failed repos was written.
    r = conn.exec_params("SELECT count(*) FROM bsky.record WHERE did IN ($1, $2)", {largest, failing});
    CHECK(r.value(0, 0) == "0");
}

namespace {

// The capture's network with one repo's fetch held in flight: the first request `holds` matches
// waits until release() (at most 30 s); the worker holds the repo's key meanwhile.
struct HeldFetch {
    std::promise<void> entered, released;
    std::shared_future<void> release_future = released.get_future().share();
    std::atomic<bool> first{true};
    Network network;

    explicit HeldFetch(std::function<bool(const replay::HttpRequest&)> holds)
        : network([this, holds = std::move(holds)](const replay::HttpRequest& request, const Handler& inner) {
              if (holds(request) && first.exchange(false)) {
                  entered.set_value();
                  release_future.wait_for(30s);
              }
              return inner(request);
          }) {}
    void wait_held() { REQUIRE(entered.get_future().wait_for(60s) == std::future_status::ready); }
    void release() { released.set_value(); }
};

const std::string held_did = "did:plc:6hf3ere46otfb636zn7mt2lv";

bool is_held_get_repo(const replay::HttpRequest& request) {
    return request.path == get_repo && request.param("did") == held_did;
}

// Files one queue_backfill request (`insert`, with `value` as $1) and waits until the control
// thread has taken it (at most 20 s).
void ask(const std::string& db, const std::string& insert, const std::string& value) {
    storage::pg::Connection conn(db);
    conn.exec_params(insert, {value});
    const auto asked = std::chrono::steady_clock::now();
    while (conn.exec("SELECT count(*) FROM wintermute.backfill_request", "counting").value(0, 0) != "0" &&
           std::chrono::steady_clock::now() - asked < 20s) {
        std::this_thread::sleep_for(20ms);
    }
}

// The held repo was fetched twice and ends indexed, with nothing left in the queue.
void check_fetched_again(const std::string& db, Backfill& backfill) {
    CHECK(backfill.indexer->metrics().deferred_requests == 1);
    CHECK(backfill.indexer->queue()->counts().items == 0);
    storage::pg::Connection conn(db);
    auto r = conn.exec_params("SELECT status, attempts FROM bsky.backfill_repo WHERE did = $1", {held_did});
    REQUIRE(r.rows() == 1);
    CHECK(std::string(r.value(0, 0)) == "indexed");
    CHECK(std::string(r.value(0, 1)) == "2");
}

}  // namespace

TEST_CASE("a #sync of a repo whose fetch is in flight fetches it again once that fetch is done", "[indexer][backfill]") {
    test_support::ThrowawayPostgres db;
    migrate(db.url());
    HeldFetch held(is_held_get_repo);
    Backfill backfill(db.url(), held.network);
    held.wait_held();
    backfill.indexer->resync({held_did});
    held.release();
    REQUIRE(backfill.indexer->settle(120s));
    check_fetched_again(db.url(), backfill);
}

TEST_CASE("a queue_backfill request for a repo whose fetch is in flight fetches it again once that fetch is done",
          "[indexer][backfill]") {
    test_support::ThrowawayPostgres db;
    migrate(db.url());
    HeldFetch held(is_held_get_repo);
    Backfill backfill(db.url(), held.network);
    held.wait_held();
    // Taken by the control thread while the worker holds the repo: pushed then, the key in flight
    // would absorb it and the fetch's ack would take it away.
    ask(db.url(), "INSERT INTO wintermute.backfill_request (kind, did, priority) VALUES ('did', $1, 'normal')",
        held_did);
    CHECK(backfill.indexer->metrics().deferred_requests == 1);
    held.release();
    REQUIRE(backfill.indexer->settle(120s));
    check_fetched_again(db.url(), backfill);
}

TEST_CASE("a repo listed again while its fetch is in flight is fetched again once that fetch is done",
          "[indexer][backfill]") {
    test_support::ThrowawayPostgres db;
    migrate(db.url());
    // Held at its DID document: the fetch's HTTP client (one transfer per worker) stays free for
    // the listing.
    HeldFetch held([](const replay::HttpRequest& request) { return request.path == "/" + held_did; });
    Backfill backfill(db.url(), held.network);
    held.wait_held();
    // queue_backfill --pds: the same repos listed again while the worker holds the repo, which the
    // listing chooses (it is not indexed yet); from a server of its own, as the hook holds the
    // first one's only thread.
    Network lister;
    ask(db.url(), "INSERT INTO wintermute.backfill_request (kind, host) VALUES ('pds', $1)", *lister.self);
    CHECK(backfill.indexer->metrics().deferred_requests == 1);
    held.release();
    REQUIRE(backfill.indexer->settle(120s));
    check_fetched_again(db.url(), backfill);
    CHECK(states(db.url()) == std::map<std::string, std::string>{{"inactive", "2"}, {"indexed", "29"}});
}

TEST_CASE("a slow PDS holds only its own repo: the others are indexed while it answers", "[indexer][backfill]") {
    test_support::ThrowawayPostgres db;
    migrate(db.url());
    const std::string slow = "did:plc:6hf3ere46otfb636zn7mt2lv";
    const auto car = test_backfill::repo_car(slow);
    REQUIRE(car);
    test_support::TestHttpServer slow_pds([&](const test_support::TestHttpRequest&) {
        return test_support::TestHttpResponse{.body = std::string(reinterpret_cast<const char*>(car->data()), car->size()),
                                              .content_type = "application/vnd.ipld.car",
                                              .delay = 8s};
    });
    // The slow repo's DID document names the slow server as its PDS.
    std::shared_ptr<std::string> self;
    Network network([&](const replay::HttpRequest& request, const Handler& inner) {
        auto response = inner(request);
        if (request.path == "/" + slow) {
            for (auto at = response.body.find(*self); at != std::string::npos; at = response.body.find(*self, at)) {
                response.body.replace(at, self->size(), slow_pds.base_url());
            }
        }
        return response;
    });
    self = network.self;
    const auto start = std::chrono::steady_clock::now();
    Backfill backfill(db.url(), network, std::size_t{1} << 30, 4);
    auto others_done = [&] { return states(db.url()) == std::map<std::string, std::string>{
                                        {"fetching", "1"}, {"inactive", "2"}, {"indexed", "28"}}; };
    while (!others_done() && std::chrono::steady_clock::now() - start < 8s) std::this_thread::sleep_for(20ms);
    CHECK(others_done());
    REQUIRE(backfill.indexer->settle(120s));
    CHECK(states(db.url()) == std::map<std::string, std::string>{{"inactive", "2"}, {"indexed", "29"}});
    CHECK(slow_pds.request_count() == 1);
}
