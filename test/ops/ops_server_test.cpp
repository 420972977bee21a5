// The ops server on 127.0.0.1 with a fake daemon behind it, queried over HTTP with libcurl.
#include "ops/ops_server.hpp"

#include <catch2/catch.hpp>
#include <prometheus/registry.h>
#include <simdjson.h>

#include <atomic>
#include <regex>
#include <set>

#include "common/log.hpp"
#include "test/ops/fake_status.hpp"
#include "test/ops/http_get.hpp"

namespace {

const char* const metric_names[] = {
    "ingester_firehose_events_total", "ingester_firehose_live_length", "ingester_firehose_backfill_length",
    "ingester_label_live_length", "ingester_websocket_connections", "ingester_errors_total",
    "indexer_records_processed_total", "indexer_records_failed_total", "indexer_stale_writes_skipped_total",
    "indexer_post_events_total", "indexer_like_events_total", "indexer_follow_events_total",
    "indexer_repost_events_total", "indexer_block_events_total", "indexer_profile_events_total",
    "backfiller_repos_processed_total", "backfiller_repos_failed_total", "backfiller_records_extracted_total",
    "wintermute_event_lag_seconds", "wintermute_receive_lag_seconds", "wintermute_batch_commit_seconds",
    "wintermute_source_cursor", "wintermute_source_connected", "wintermute_source_last_frame_age_seconds",
    "wintermute_source_lag_seconds", "wintermute_db_pool_in_use", "wintermute_db_pool_size",
    "wintermute_db_reachable", "wintermute_backfill_repos", "wintermute_backfill_repos_remaining",
    "wintermute_writer_lane_give_ways_total",
};

struct Fixture {
    test_ops::FakeDaemon daemon;
    prometheus::Registry registry;
    ops::DaemonMetrics metrics{registry};
    std::atomic<std::uint64_t> stage_records{0};   // a stage's own atomic, mirrored at scrape time
    ops::CounterMirror mirror{metrics.records_processed()};
    std::shared_ptr<ops::RecentErrorsSink> recent = std::make_shared<ops::RecentErrorsSink>(10);
    common::Log log{spdlog::level::info, recent};
    std::unique_ptr<ops::OpsServer> server;

    Fixture() {
        ops::OpsServerConfig config;
        config.listen.address = "127.0.0.1";
        config.listen.port = 0;
        ops::OpsInputs inputs{&registry, [this] { return daemon.snapshot(); },
                              [this] { mirror.sync(stage_records.load()); }, &metrics, recent};
        auto started = ops::OpsServer::start(config, std::move(inputs), log.component("ops"));
        REQUIRE(started);
        server = std::move(*started);
    }

    test_ops::HttpReply get(const std::string& path, bool post = false) const {
        return test_ops::http_get("http://127.0.0.1:" + std::to_string(server->port()) + path, post);
    }
};

simdjson::dom::element parse(simdjson::dom::parser& parser, const std::string& body) {
    simdjson::dom::element doc;
    REQUIRE(parser.parse(body).get(doc) == simdjson::SUCCESS);
    return doc;
}

}  // namespace

TEST_CASE("/metrics carries every daemon metric, with the collect hook's counts", "[ops][ops_server]") {
    Fixture f;
    f.stage_records = 41;
    const auto reply = f.get("/metrics");
    REQUIRE(reply.status == 200);
    CHECK(reply.content_type.rfind("text/plain; version=0.0.4", 0) == 0);
    for (const char* name : metric_names) {
        INFO(name);
        CHECK(reply.body.find(std::string("# TYPE ") + name + " ") != std::string::npos);
    }
    CHECK(reply.body.find("indexer_records_processed_total 41") != std::string::npos);
    CHECK(reply.body.find(R"(wintermute_source_cursor{host="relay.test",kind="relay"})") != std::string::npos);
    f.stage_records = 50;
    CHECK(f.get("/metrics").body.find("indexer_records_processed_total 50") != std::string::npos);
}

TEST_CASE("/_health answers 200, then 503 for a silent relay or an unreachable database", "[ops][ops_server]") {
    Fixture f;
    simdjson::dom::parser parser;
    auto reply = f.get("/_health");
    REQUIRE(reply.status == 200);
    auto doc = parse(parser, reply.body);
    CHECK(std::string_view(doc["status"]) == "ok");
    CHECK(doc["relays"].get_array().size() == 2);
    CHECK(int64_t(doc["relays"].at(0)["cursor"]) > 0);
    CHECK(double(doc["relays"].at(0)["lag_s"]) == Approx(0.35));
    CHECK(doc["queues"].get_array().size() == 8);
    CHECK(bool(doc["backfill"]["enabled"]));

    f.daemon.relay_silent = true;
    reply = f.get("/_health");
    CHECK(reply.status == 503);
    doc = parse(parser, reply.body);
    CHECK(std::string_view(doc["status"]) == "unhealthy");
    CHECK(std::string_view(doc["problems"].at(0)).find("relay.test") != std::string_view::npos);

    f.daemon.relay_silent = false;
    CHECK(f.get("/_health").status == 200);
    f.daemon.db_down = true;
    reply = f.get("/_health");
    CHECK(reply.status == 503);
    CHECK(reply.body.find("PostgreSQL is unreachable: connection refused") != std::string::npos);
}

TEST_CASE("/api/status is JSON with stage rates and the captured errors", "[ops][ops_server]") {
    Fixture f;
    f.log.component("decode")->warn("bad frame from relay.test");
    simdjson::dom::parser parser;
    const auto reply = f.get("/api/status");
    REQUIRE(reply.status == 200);
    CHECK(reply.content_type == "application/json");
    auto doc = parse(parser, reply.body);
    CHECK(std::string_view(doc["version"]) == "0.1.0-test");
    auto stages = doc["stages"].get_array();
    REQUIRE(stages.size() == 8);
    CHECK(std::string_view(stages.at(2)["name"]) == "decode");
    CHECK(double(stages.at(2)["out_per_s"]) > 0);
    CHECK(double(stages.at(2)["busy_share"]) > 0);
    CHECK(std::string_view(stages.at(5)["lane"]) == "backfill");
    CHECK(double(doc["backfill"]["records_per_s"]) > 0);
    CHECK(std::string_view(doc["recent_errors"].at(0)["message"]) == "bad frame from relay.test");
}

TEST_CASE("the dashboard page references only assets the server embeds", "[ops][ops_server]") {
    Fixture f;
    const auto page = f.get("/");
    REQUIRE(page.status == 200);
    CHECK(page.content_type == "text/html; charset=utf-8");
    CHECK(f.get("/dashboard").body == page.body);
    const std::regex reference(R"re((?:src|href)="([^"]*)")re");
    std::set<std::string> seen;
    for (std::sregex_iterator it(page.body.begin(), page.body.end(), reference), end; it != end; ++it) {
        const std::string target = (*it)[1];
        INFO(target);
        if (target.rfind("data:", 0) == 0) continue;
        CHECK(target.rfind("/assets/", 0) == 0);   // no CDN, no other host
        const auto asset = f.get(target);
        CHECK(asset.status == 200);
        CHECK_FALSE(asset.body.empty());
        seen.insert(target);
    }
    CHECK(seen == std::set<std::string>{"/assets/dashboard.css", "/assets/dashboard.js"});
    CHECK(f.get("/assets/dashboard.js").content_type == "text/javascript; charset=utf-8");
    CHECK(f.get("/assets/dashboard.js").body.find("http") == std::string::npos);   // fetches only its own origin
}

TEST_CASE("the ops server answers unknown paths with 404 and other methods with 405", "[ops][ops_server]") {
    Fixture f;
    CHECK(f.get("/nope").status == 404);
    CHECK(f.get("/metrics", true).status == 405);
}

TEST_CASE("the ops server refuses to start without a registry or a status source", "[ops][ops_server]") {
    common::Log log(spdlog::level::off);
    ops::OpsServerConfig config;
    config.listen.address = "127.0.0.1";
    config.listen.port = 0;
    CHECK_FALSE(ops::OpsServer::start(config, ops::OpsInputs{}, log.component("ops")));
}
