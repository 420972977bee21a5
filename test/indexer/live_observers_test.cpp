// LiveIndexer in process against an in-process replay: the lag observer sees every committed event,
// and classify.verify_block_hashes reaches the classifier (frames with retagged DIDs fail the block
// hash checks unless it is off).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <thread>

#include <fmt/core.h>
#include <prometheus/registry.h>

#include "indexer/live_indexer.hpp"
#include "replay/did_retag.hpp"
#include "replay/replay_server.hpp"
#include "test/support/fixtures.hpp"
#include "test/support/throwaway_postgres.hpp"

using namespace std::chrono_literals;

namespace {

struct Outcome {
    std::uint64_t lags = 0;
    std::uint64_t committed_events = 0;
    std::uint64_t records_staged = 0;
    std::uint64_t bad_cars = 0;
};

// Replays the pds-capture firehose once, every did:plc retagged, into `database_url`.
Outcome run(const std::string& database_url, bool verify_block_hashes) {
    auto frames = replay::load_capture(test_support::shared_path("fixtures/pds-capture/firehose.frames"));
    REQUIRE(frames);
    const common::Log log(spdlog::level::err);
    replay::ReplayStreams streams;
    streams.repos.emplace(*frames, 1, 0, [](std::uint32_t, std::span<std::byte> f) { replay::retag_plc_dids(f, 5); });
    const auto last_seq = static_cast<std::int64_t>(*streams.repos->seq(streams.repos->size() - 1));
    auto server = replay::ReplayServer::start({}, std::move(streams), {}, log.component("replay"));
    REQUIRE(server);

    std::string data_dir = (std::filesystem::temp_directory_path() / "wintermute-observers.XXXXXX").string();
    REQUIRE(::mkdtemp(data_dir.data()) != nullptr);
    pipeline::Config config;
    config.relay_hosts = {fmt::format("ws://127.0.0.1:{}", (*server)->port())};
    config.database.url = database_url;
    config.data_dir = data_dir;
    config.identity.plc_url = "http://127.0.0.1:1";  // nothing listens: lookups fail at once
    config.network.allow_private_addresses = true;
    config.classify.verify_block_hashes = verify_block_hashes;

    Outcome outcome;
    prometheus::Registry registry;
    pipeline::Metrics metrics(registry);
    indexer::LiveIndexer indexer(config, log, metrics, {.lag = [&outcome](auto) { ++outcome.lags; }});
    REQUIRE(indexer.start());
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    while (indexer.sources().front()->committed.load() < last_seq && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(10ms);
    }
    CHECK(indexer.sources().front()->committed.load() == last_seq);
    indexer.request_stop();
    CHECK(indexer.wait());
    outcome.committed_events = indexer.writer_metrics().events;
    outcome.records_staged = indexer.classify_metrics().records_staged;
    outcome.bad_cars = indexer.classify_metrics().bad_cars;
    std::filesystem::remove_all(data_dir);
    return outcome;
}

}  // namespace

TEST_CASE("the lag observer sees every committed event and block hash checks follow the configuration",
          "[indexer][live_observers]") {
    test_support::ThrowawayPostgres checked, unchecked;
    const auto with_checks = run(checked.url(), true);
    const auto without_checks = run(unchecked.url(), false);

    CHECK(with_checks.committed_events == 2132);
    CHECK(with_checks.lags == with_checks.committed_events);
    CHECK(without_checks.lags == without_checks.committed_events);
    // Retagging changed the blocks' bytes: with checks on, every commit's CAR slice is refused.
    CHECK(with_checks.bad_cars > 2000);
    CHECK(with_checks.records_staged == 0);
    CHECK(without_checks.bad_cars == 0);
    CHECK(without_checks.records_staged > 1500);
}
