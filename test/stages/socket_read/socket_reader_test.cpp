#include "stages/socket_read/socket_reader.hpp"

#include <catch2/catch.hpp>

#include "replay/frame_seq.hpp"
#include "test/support/replay_client.hpp"

using namespace std::chrono_literals;
using stages::socket_read::Stream;
using test_support::bytes_of;
using test_support::capture;
using test_support::Client;
using test_support::eventually;
using test_support::serve;

namespace {

const char* const jetstream = "fixtures/jetstream-corpus/frames.bin";
const char* const firehose = "fixtures/pds-capture/firehose.frames";
const char* const labels = "fixtures/pds-capture/labels.frames";

std::int64_t seq_of(const replay::CapturedFrame& frame) { return static_cast<std::int64_t>(frame.seq->value); }

}  // namespace

TEST_CASE("the reader receives every frame of each capture byte-identical and in order",
          "[socket_read][socket_reader]") {
    const auto relay = capture(jetstream);
    const auto pds = capture(firehose);
    const auto labeler = capture(labels);
    auto server = serve({replay::ReplayPlan(relay), replay::ReplayPlan(labeler)});
    Client repos;
    repos.start(server->port());
    Client label;
    label.start(server->port(), Stream::labels);
    REQUIRE(eventually([&] { return repos.collector.size() == relay.size() && label.collector.size() == 5; }));
    CHECK(repos.collector.frames() == bytes_of(relay));
    CHECK(label.collector.frames() == bytes_of(labeler));
    CHECK(repos.metrics.frames == relay.size());
    CHECK(repos.metrics.connects == 1);
    CHECK(repos.metrics.connected);

    auto pds_server = serve({replay::ReplayPlan(pds), std::nullopt});
    Client whole;
    whole.start(pds_server->port());
    REQUIRE(eventually([&] { return whole.collector.size() == pds.size(); }));
    CHECK(whole.collector.frames() == bytes_of(pds));
    std::uint64_t total = 0;
    for (const auto& frame : pds) total += frame.bytes.size();
    CHECK(whole.metrics.bytes == total);
}

TEST_CASE("each read's end is announced after its frames, so a sink may pass on a read's frames together",
          "[socket_read][socket_reader]") {
    const auto relay = capture(jetstream);
    auto server = serve({replay::ReplayPlan(relay), std::nullopt});
    Client repos;
    repos.start(server->port());
    REQUIRE(eventually([&] { return repos.collector.size() == relay.size(); }));
    // No frame is left waiting for an announcement that never comes.
    REQUIRE(eventually([&] { return repos.frames_at_read_done.load() == relay.size(); }));
    CHECK(repos.reads_done.load() >= 1);
}

TEST_CASE("a cursor makes the relay send only the frames after it", "[socket_read][socket_reader]") {
    const auto relay = capture(jetstream);
    auto server = serve({replay::ReplayPlan(relay), std::nullopt});
    Client client;
    client.cursor = seq_of(relay[50]);
    client.start(server->port());
    REQUIRE(eventually([&] { return client.collector.size() == relay.size() - 51; }));
    std::this_thread::sleep_for(100ms);
    CHECK(client.collector.frames() == bytes_of(relay, 51));
}

TEST_CASE("a blocking sink loses nothing and stalls the relay through TCP", "[socket_read][socket_reader]") {
    const auto pds = capture(firehose);
    constexpr std::uint32_t copies = 10;
    auto server = serve({replay::ReplayPlan(pds, copies), std::nullopt});
    Client client;
    client.collector.hold(true);
    auto config = test_support::fast_config();
    config.idle_timeout = 500ms;   // shorter than the hold: blocked time must not count as silence
    client.start(server->port(), Stream::repos, config);
    REQUIRE(eventually([&] { return client.collector.offered() == 1; }));
    std::this_thread::sleep_for(1s);
    CHECK(client.collector.offered() == 1);
    CHECK(server->frames_sent() < pds.size() * copies);
    client.collector.hold(false);
    REQUIRE(eventually([&] { return client.collector.size() == pds.size() * copies; }, 30s));
    const auto frames = client.collector.frames();
    std::uint64_t previous = 0;
    for (const auto& frame : frames) {
        const auto seq = replay::find_seq(frame);
        REQUIRE(seq.has_value());
        REQUIRE(seq->value > previous);
        previous = seq->value;
    }
    CHECK(std::vector(frames.begin(), frames.begin() + pds.size()) == bytes_of(pds));
    CHECK(client.metrics.connects == 1);
    CHECK(client.metrics.idle_timeouts == 0);
}

TEST_CASE("stop returns promptly while the sink is blocked", "[socket_read][socket_reader]") {
    auto server = serve({replay::ReplayPlan(capture(jetstream)), std::nullopt});
    Client client;
    client.collector.hold(true);
    client.start(server->port());
    REQUIRE(eventually([&] { return client.collector.offered() == 1; }));
    const auto before = std::chrono::steady_clock::now();
    client.reader->stop();
    CHECK(std::chrono::steady_clock::now() - before < 2s);
    CHECK(client.collector.size() == 0);
    CHECK_FALSE(client.metrics.connected);
}

TEST_CASE("after the relay restarts the reader reconnects with backoff and resumes from the cursor",
          "[socket_read][socket_reader]") {
    const auto relay = capture(jetstream);
    auto server = serve({replay::ReplayPlan(relay), std::nullopt});
    const auto port = server->port();
    Client client;
    client.start(port);
    REQUIRE(eventually([&] { return client.collector.size() == relay.size(); }));
    client.cursor = seq_of(relay[99]);   // as if only the first 100 were committed
    server.reset();
    REQUIRE(eventually([&] { return !client.metrics.connected; }));
    REQUIRE(eventually([&] { return client.metrics.reconnect_attempts >= 2; }));
    replay::ReplayServerConfig same_port;
    same_port.port = port;
    server = serve({replay::ReplayPlan(relay), std::nullopt}, same_port);
    REQUIRE(eventually([&] { return client.collector.size() == relay.size() + 50; }));
    const auto frames = client.collector.frames();
    CHECK(std::vector(frames.begin() + 150, frames.end()) == bytes_of(relay, 100));
    CHECK(client.metrics.connects == 2);
    CHECK(client.metrics.disconnects == 1);
}

TEST_CASE("a relay that stops sending is declared dead and reconnected", "[socket_read][socket_reader]") {
    const auto labeler = capture(labels);
    auto server = serve({std::nullopt, replay::ReplayPlan(labeler)});
    Client client;
    client.cursor_source = [&]() -> std::optional<std::int64_t> {
        const auto frames = client.collector.frames();
        if (frames.empty()) return std::nullopt;
        return static_cast<std::int64_t>(replay::find_seq(frames.back())->value);
    };
    auto config = test_support::fast_config();
    config.idle_timeout = 500ms;
    client.start(server->port(), Stream::labels, config);
    REQUIRE(eventually([&] { return client.metrics.idle_timeouts >= 1 && client.metrics.connects >= 2; }));
    CHECK(client.metrics.reconnect_attempts >= 1);
    CHECK(client.collector.frames() == bytes_of(labeler));
}

TEST_CASE("oversize messages are counted and skipped while later frames still arrive",
          "[socket_read][socket_reader]") {
    const auto relay = capture(jetstream);
    std::vector<replay::CapturedFrame> crafted;
    crafted.push_back(relay[0]);
    crafted.push_back({std::vector<std::byte>(200 * 1024, std::byte{0xa5}), std::nullopt});
    crafted.push_back(relay[1]);
    crafted.push_back({std::vector<std::byte>(300 * 1024, std::byte{0x5a}), std::nullopt});
    crafted.push_back(relay[2]);
    auto server = serve({replay::ReplayPlan(crafted), std::nullopt});

    Client limited;
    auto config = test_support::fast_config();
    config.max_frame_bytes = 100 * 1024;
    limited.start(server->port(), Stream::repos, config);
    REQUIRE(eventually([&] { return limited.collector.size() == 3 && limited.metrics.oversize_frames == 2; }));
    CHECK(limited.collector.frames() == std::vector{relay[0].bytes, relay[1].bytes, relay[2].bytes});
    CHECK(limited.metrics.connects == 1);
    CHECK(limited.metrics.reconnect_attempts == 0);

    Client roomy;
    config.max_frame_bytes = 300 * 1024;
    roomy.start(server->port(), Stream::repos, config);
    REQUIRE(eventually([&] { return roomy.collector.size() == 5; }));
    CHECK(roomy.collector.frames() == bytes_of(crafted));
    CHECK(roomy.metrics.oversize_frames == 0);
}

TEST_CASE("the reader passes on an error frame and survives the relay closing after it",
          "[socket_read][socket_reader]") {
    const auto relay = capture(jetstream);
    // Over wss the error frame, the close frame and TLS's close_notify may come in one read.
    const bool secure = GENERATE(false, true);
    const std::string tls = std::string(std::getenv("WINTERMUTE_TEST_DATA")) + "/tls/";
    replay::ReplayServerConfig server_config;
    auto config = test_support::fast_config();
    if (secure) {
        server_config.tls_cert_file = tls + "cert.pem";
        server_config.tls_key_file = tls + "key.pem";
        config.ca_file = tls + "cert.pem";
    }
    auto server = serve({replay::ReplayPlan(relay), std::nullopt}, server_config);
    Client client;
    std::atomic<int> calls{0};
    client.cursor_source = [&]() -> std::optional<std::int64_t> {
        if (calls++ == 0) return seq_of(relay.back()) + 1000;   // FutureCursor
        return std::nullopt;
    };
    client.start(fmt::format("{}://localhost:{}", secure ? "wss" : "ws", server->port()), Stream::repos, config);
    REQUIRE(eventually([&] { return client.collector.size() == 1 + relay.size(); }));
    const auto frames = client.collector.frames();
    const std::vector<std::byte> error_header{std::byte{0xa1}, std::byte{0x62}, std::byte{'o'}, std::byte{'p'},
                                              std::byte{0x20}};
    CHECK(std::equal(error_header.begin(), error_header.end(), frames[0].begin()));
    CHECK(std::vector(frames.begin() + 1, frames.end()) == bytes_of(relay));
    CHECK(client.metrics.disconnects == 1);
    CHECK(client.metrics.connects == 2);
}

TEST_CASE("several readers at once each receive the whole stream", "[socket_read][socket_reader]") {
    const auto pds = capture(firehose);
    auto server = serve({replay::ReplayPlan(pds), std::nullopt});
    std::array<Client, 3> clients;
    for (auto& client : clients) client.start(server->port());
    REQUIRE(eventually([&] { return server->subscribers() == 3; }));
    for (auto& client : clients) {
        REQUIRE(eventually([&] { return client.collector.size() == pds.size(); }));
        CHECK(client.collector.frames() == bytes_of(pds));
    }
}

TEST_CASE("a rate-limited relay paces its frames, also when they are due less than a millisecond apart",
          "[socket_read][socket_reader]") {
    const auto relay = capture(jetstream);
    for (const double rate : {300.0, 2'000.0}) {
        INFO("rate " << rate);
        replay::ReplayServerConfig paced;
        paced.rate = rate;
        auto server = serve({replay::ReplayPlan(relay), std::nullopt}, paced);
        Client client;
        const auto start = std::chrono::steady_clock::now();
        client.start(server->port());
        REQUIRE(eventually([&] { return client.collector.size() == relay.size(); }));
        const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        CHECK(elapsed >= static_cast<double>(relay.size() - 1) / rate);  // never faster than the rate
        CHECK(client.collector.frames() == bytes_of(relay));
    }
}

TEST_CASE("over wss the reader verifies the relay against its CA file", "[socket_read][socket_reader]") {
    const auto relay = capture(jetstream);
    const std::string tls = std::string(std::getenv("WINTERMUTE_TEST_DATA")) + "/tls/";
    replay::ReplayServerConfig secure;
    secure.tls_cert_file = tls + "cert.pem";
    secure.tls_key_file = tls + "key.pem";
    auto server = serve({replay::ReplayPlan(relay), std::nullopt}, secure);
    const auto endpoint = fmt::format("wss://localhost:{}", server->port());

    Client trusting;
    auto config = test_support::fast_config();
    config.ca_file = tls + "cert.pem";
    trusting.start(endpoint, Stream::repos, config);
    REQUIRE(eventually([&] { return trusting.collector.size() == relay.size(); }));
    CHECK(trusting.collector.frames() == bytes_of(relay));

    Client doubting;   // the system store does not know this self-signed certificate
    doubting.start(endpoint, Stream::repos, test_support::fast_config());
    REQUIRE(eventually([&] { return doubting.metrics.reconnect_attempts >= 2; }));
    CHECK(doubting.metrics.connects == 0);
    CHECK(doubting.metrics.protocol_errors >= 2);  // each failed verification
    CHECK(doubting.collector.size() == 0);
    CHECK(trusting.metrics.protocol_errors == 0);
}
