// The socket reader against a relay written out byte by byte on a real socket: the WebSocket
// protocol paths the replay server never takes (pings, fragments, a close frame, a refused upgrade,
// broken framing).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <string>
#include <thread>

#include "stages/socket_read/websocket_handshake.hpp"
#include "test/support/replay_client.hpp"

using namespace std::chrono_literals;
using stages::socket_read::WsHandshake;
using test_support::Client;
using test_support::eventually;

namespace {

// One listening socket on 127.0.0.1; each accepted connection runs `script` on its own fd.
class ScriptedRelay {
public:
    using Script = std::function<void(int fd)>;

    explicit ScriptedRelay(Script script) : script_(std::move(script)) {
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(listener_ >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(::listen(listener_, 4) == 0);
        socklen_t size = sizeof address;
        REQUIRE(::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size) == 0);
        port_ = ntohs(address.sin_port);
        thread_ = std::jthread([this] {
            for (;;) {
                const int fd = ::accept(listener_, nullptr, nullptr);
                if (fd < 0) return;  // the listener was shut down
                ++connections;
                script_(fd);
                ::close(fd);
            }
        });
    }

    ~ScriptedRelay() {
        ::shutdown(listener_, SHUT_RDWR);
        ::close(listener_);
    }

    [[nodiscard]] std::uint16_t port() const { return port_; }
    std::atomic<int> connections{0};

private:
    Script script_;
    int listener_ = -1;
    std::uint16_t port_ = 0;
    std::jthread thread_;
};

void send_all(int fd, const std::string& bytes) {
    std::size_t at = 0;
    while (at < bytes.size()) {
        const auto n = ::send(fd, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
        if (n <= 0) return;
        at += static_cast<std::size_t>(n);
    }
}

// Reads until `n` bytes arrived (or the peer closed); returns what came.
std::string receive(int fd, std::size_t n) {
    std::string out;
    char buffer[4096];
    while (out.size() < n) {
        const auto got = ::recv(fd, buffer, std::min(sizeof buffer, n - out.size()), 0);
        if (got <= 0) break;
        out.append(buffer, static_cast<std::size_t>(got));
    }
    return out;
}

// Reads the upgrade request and answers 101 for its key.
void accept_upgrade(int fd) {
    std::string request;
    while (request.find("\r\n\r\n") == std::string::npos) {
        const std::string more = receive(fd, 1);
        if (more.empty()) return;
        request += more;
    }
    const auto at = request.find("Sec-WebSocket-Key: ") + 19;
    const std::string key = request.substr(at, request.find("\r\n", at) - at);
    send_all(fd, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Accept: " + WsHandshake::accept_for(key) + "\r\n\r\n");
}

std::string frame(std::uint8_t first, const std::string& payload) {
    REQUIRE(payload.size() < 126);
    return std::string{static_cast<char>(first), static_cast<char>(payload.size())} + payload;
}

struct ClientFrame {
    std::uint8_t first = 0;
    bool masked = false;
    std::string payload;
};

// One small client frame (payload < 126 bytes), unmasked.
ClientFrame read_client_frame(int fd) {
    const std::string head = receive(fd, 2);
    if (head.size() < 2) return {};
    ClientFrame f;
    f.first = static_cast<std::uint8_t>(head[0]);
    f.masked = (static_cast<std::uint8_t>(head[1]) & 0x80) != 0;
    const std::size_t length = static_cast<std::uint8_t>(head[1]) & 0x7f;
    const std::string mask = f.masked ? receive(fd, 4) : std::string(4, '\0');
    f.payload = receive(fd, length);
    for (std::size_t i = 0; i < f.payload.size(); ++i) f.payload[i] = static_cast<char>(f.payload[i] ^ mask[i % 4]);
    return f;
}

std::vector<std::byte> bytes(const std::string& s) {
    const auto* p = reinterpret_cast<const std::byte*>(s.data());
    return {p, p + s.size()};
}

}  // namespace

TEST_CASE("a ping is answered with a masked pong and fragments around it make one message",
          "[socket_read][websocket_protocol]") {
    std::atomic<bool> ponged{false};
    std::atomic<bool> closed_back{false};
    ScriptedRelay relay([&](int fd) {
        accept_upgrade(fd);
        send_all(fd, frame(0x02, "first ") + frame(0x89, "are you there"));
        const auto pong = read_client_frame(fd);
        ponged = pong.first == 0x8a && pong.masked && pong.payload == "are you there";
        send_all(fd, frame(0x80, "second") + frame(0x82, "another"));
        send_all(fd, frame(0x88, std::string("\x03\xe8", 2) + "bye"));  // close, 1000
        const auto close = read_client_frame(fd);
        closed_back = close.first == 0x88 && close.masked && close.payload == std::string("\x03\xe8", 2);
        receive(fd, 1);  // the reader drops the connection
    });
    Client client;
    client.start(relay.port());
    REQUIRE(eventually([&] { return client.collector.size() == 2 && closed_back.load(); }));
    CHECK(ponged);
    CHECK(client.collector.frames() == std::vector{bytes("first second"), bytes("another")});
    CHECK(client.metrics.protocol_errors == 0);
    // After the close the reader reconnects: the relay sees a second connection.
    REQUIRE(eventually([&] { return relay.connections >= 2; }));
}

TEST_CASE("a refused upgrade and broken framing are counted and the reader keeps retrying",
          "[socket_read][websocket_protocol]") {
    SECTION("the relay answers 503") {
        ScriptedRelay relay([](int fd) {
            receive(fd, 10);
            send_all(fd, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
        });
        Client client;
        client.start(relay.port());
        REQUIRE(eventually([&] { return client.metrics.protocol_errors >= 2 && relay.connections >= 2; }));
        CHECK(client.metrics.connects == 0);
    }
    SECTION("the relay masks its frames, after one good frame") {
        ScriptedRelay relay([](int fd) {
            accept_upgrade(fd);
            send_all(fd, frame(0x82, "good") + std::string("\x82\x84\x01\x02\x03\x04" "abcd", 10) + frame(0x82, "lost"));
            receive(fd, 1);
        });
        Client client;
        client.start(relay.port());
        REQUIRE(eventually([&] { return client.metrics.protocol_errors >= 2; }));
        CHECK(client.metrics.connects >= 2);
        // Each connection delivers the good frame and nothing after the violation.
        const auto frames = client.collector.frames();
        REQUIRE(!frames.empty());
        for (const auto& f : frames) CHECK(f == bytes("good"));
    }
}
