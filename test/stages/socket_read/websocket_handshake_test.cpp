#include "stages/socket_read/websocket_handshake.hpp"

#include <catch2/catch.hpp>

#include <string>

using stages::socket_read::WsHandshake;
using Status = WsHandshake::Status;

namespace {

std::span<const std::byte> as_bytes(const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); }

// The request's Sec-WebSocket-Key header value.
std::string key_of(const WsHandshake& handshake) {
    const std::string& request = handshake.request();
    const auto at = request.find("Sec-WebSocket-Key: ") + 19;
    return request.substr(at, request.find("\r\n", at) - at);
}

std::string accepting_response(const WsHandshake& handshake) {
    return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n"
           "Sec-WebSocket-Accept: " +
           WsHandshake::accept_for(key_of(handshake)) + "\r\n\r\n";
}

}  // namespace

TEST_CASE("the accept value is RFC 6455's for its example key", "[socket_read][websocket_handshake]") {
    CHECK(WsHandshake::accept_for("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST_CASE("the request asks for an upgrade of the path with a fresh key", "[socket_read][websocket_handshake]") {
    const WsHandshake a("relay.example:2470", "/xrpc/com.atproto.sync.subscribeRepos?cursor=5");
    const WsHandshake b("relay.example:2470", "/xrpc/com.atproto.sync.subscribeRepos?cursor=5");
    CHECK(a.request().starts_with("GET /xrpc/com.atproto.sync.subscribeRepos?cursor=5 HTTP/1.1\r\n"));
    CHECK_THAT(a.request(), Catch::Contains("\r\nHost: relay.example:2470\r\n"));
    CHECK_THAT(a.request(), Catch::Contains("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"));
    CHECK_THAT(a.request(), Catch::Contains("\r\nSec-WebSocket-Version: 13\r\n"));
    CHECK(a.request().ends_with("\r\n\r\n"));
    CHECK(key_of(a).size() == 24);  // 16 bytes in base64
    CHECK(key_of(a) != key_of(b));
}

TEST_CASE("an accepting response split anywhere is accepted and the bytes after it are left as frames",
          "[socket_read][websocket_handshake]") {
    const std::string frames = "\x82\x03" "abc";
    for (std::size_t split = 1; split < 120; split += 7) {
        WsHandshake handshake("h", "/");
        const std::string response = accepting_response(handshake);
        const std::string stream = response + frames;
        const auto first = handshake.feed(as_bytes(stream.substr(0, split)));
        INFO("split " << split);
        if (split < response.size()) {
            REQUIRE(first.status == Status::incomplete);
            CHECK(first.consumed == split);
            const auto second = handshake.feed(as_bytes(stream.substr(split)));
            REQUIRE(second.status == Status::accepted);
            CHECK(split + second.consumed == response.size());
        } else {
            REQUIRE(first.status == Status::accepted);
            CHECK(first.consumed == response.size());
        }
    }
}

TEST_CASE("refusals and wrong answers are rejected with the reason", "[socket_read][websocket_handshake]") {
    const auto answer = [](const std::string& response) {
        WsHandshake handshake("h", "/");
        return handshake.feed(as_bytes(response));
    };
    auto refused = answer("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    CHECK(refused.status == Status::rejected);
    CHECK_THAT(refused.error, Catch::Contains("404 Not Found"));

    auto wrong_key = answer("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
    CHECK(wrong_key.status == Status::rejected);
    CHECK_THAT(wrong_key.error, Catch::Contains("Sec-WebSocket-Accept"));

    WsHandshake handshake("h", "/");
    std::string no_upgrade = accepting_response(handshake);
    no_upgrade.replace(no_upgrade.find("Upgrade: WebSocket"), 18, "Upgrade: h2c");
    CHECK(handshake.feed(as_bytes(no_upgrade)).status == Status::rejected);

    WsHandshake compressed("h", "/");
    std::string extension = accepting_response(compressed);
    extension.insert(extension.size() - 2, "Sec-WebSocket-Extensions: permessage-deflate\r\n");
    auto with_extension = compressed.feed(as_bytes(extension));
    CHECK(with_extension.status == Status::rejected);
    CHECK_THAT(with_extension.error, Catch::Contains("extension"));

    CHECK(answer("SSH-2.0-OpenSSH_9.2\r\n\r\n").status == Status::rejected);
    WsHandshake endless("h", "/");
    const auto headers = endless.feed(as_bytes("HTTP/1.1 101 OK\r\n" + std::string(20'000, 'x')));
    CHECK(headers.status == Status::rejected);
    CHECK_THAT(headers.error, Catch::Contains("16 KiB"));
}
