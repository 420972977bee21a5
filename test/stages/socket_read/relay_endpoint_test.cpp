#include "stages/socket_read/initial_cursor.hpp"
#include "stages/socket_read/relay_endpoint.hpp"

#include <catch2/catch.hpp>

using stages::socket_read::parse_relay_endpoint;
using stages::socket_read::parse_relay_hosts;
using stages::socket_read::Stream;

namespace {

struct Row {
    const char* entry;
    const char* host;
    int port;
    bool tls;
    const char* authority;
    const char* http_base;
};

}  // namespace

TEST_CASE("relay entries parse to host, port, scheme and the cursor key's host", "[socket_read][relay_endpoint]") {
    const Row rows[] = {
        {"bsky.network", "bsky.network", 443, true, "bsky.network", "https://bsky.network"},
        {"relay.example:8443", "relay.example", 8443, true, "relay.example:8443", "https://relay.example:8443"},
        {"wss://bsky.network", "bsky.network", 443, true, "bsky.network", "https://bsky.network"},
        {"wss://bsky.network/", "bsky.network", 443, true, "bsky.network", "https://bsky.network"},
        {"wss://r.example:444", "r.example", 444, true, "r.example:444", "https://r.example:444"},
        {"ws://127.0.0.1:2470", "127.0.0.1", 2470, false, "127.0.0.1:2470", "http://127.0.0.1:2470"},
        {"ws://localhost", "localhost", 80, false, "localhost", "http://localhost"},
        {"  ws://[::1]:9000 ", "::1", 9000, false, "[::1]:9000", "http://[::1]:9000"},
        {"[::1]", "::1", 443, true, "[::1]", "https://[::1]"},
    };
    for (const auto& row : rows) {
        INFO(row.entry);
        const auto endpoint = parse_relay_endpoint(row.entry);
        REQUIRE(endpoint.has_value());
        CHECK(endpoint->host == row.host);
        CHECK(endpoint->port == row.port);
        CHECK(endpoint->tls == row.tls);
        CHECK(endpoint->authority == row.authority);
        CHECK(endpoint->http_base() == row.http_base);
    }
}

TEST_CASE("cursor keys are firehose:{host} and labels:{host} with the port when one was given",
          "[socket_read][relay_endpoint]") {
    CHECK(parse_relay_endpoint("bsky.network")->cursor_key(Stream::repos) == "firehose:bsky.network");
    CHECK(parse_relay_endpoint("ws://127.0.0.1:2470")->cursor_key(Stream::repos) == "firehose:127.0.0.1:2470");
    CHECK(parse_relay_endpoint("wss://mod.example")->cursor_key(Stream::labels) == "labels:mod.example");
    CHECK(stages::socket_read::subscribe_path(Stream::labels) == "/xrpc/com.atproto.label.subscribeLabels");
}

TEST_CASE("bad relay entries are errors naming the entry", "[socket_read][relay_endpoint]") {
    for (const char* entry : {"", "   ", "https://bsky.network", "wss://", "host:", "host:0", "host:65536",
                              "host:12ab", "wss://host/path", "ws://host:80?x=1", "bad host", "[::1", "[::1]x",
                              "[]:80", "ftp://x"}) {
        INFO(entry);
        const auto endpoint = parse_relay_endpoint(entry);
        CHECK_FALSE(endpoint.has_value());
    }
    CHECK(parse_relay_endpoint("host:99999").error().message.find("host:99999") != std::string::npos);
}

TEST_CASE("a comma-separated host list gives every endpoint in order and skips blanks",
          "[socket_read][relay_endpoint]") {
    const auto list = parse_relay_hosts(" bsky.network, ws://127.0.0.1:1 ,,wss://b.example ");
    REQUIRE(list.has_value());
    REQUIRE(list->size() == 3);
    CHECK((*list)[0].host == "bsky.network");
    CHECK((*list)[1].port == 1);
    CHECK((*list)[2].host == "b.example");
    CHECK(parse_relay_hosts("")->empty());
    CHECK_FALSE(parse_relay_hosts("bsky.network,https://x").has_value());
}

TEST_CASE("FIREHOSE_INITIAL_CURSOR accepts live, oldest and a seq", "[socket_read][initial_cursor]") {
    using stages::socket_read::parse_initial_cursor;
    CHECK(parse_initial_cursor("live").value() == std::nullopt);
    CHECK(parse_initial_cursor("oldest").value() == std::optional<std::int64_t>{0});
    CHECK(parse_initial_cursor("31527015322").value() == std::optional<std::int64_t>{31527015322});
    for (const char* bad : {"", "-1", "12x", "LIVE", "newest", "99999999999999999999"}) {
        INFO(bad);
        CHECK_FALSE(parse_initial_cursor(bad).has_value());
    }
}
