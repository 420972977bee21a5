#include "stages/socket_read/websocket_frames.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using stages::socket_read::client_frame;
using stages::socket_read::WsFrameReader;
using stages::socket_read::WsOpcode;

namespace {

using Bytes = std::vector<std::byte>;

// A server frame: FIN and opcode, then the length in its shortest form, unmasked.
Bytes server_frame(std::uint8_t first, const Bytes& payload) {
    Bytes frame{std::byte{first}};
    const std::uint64_t n = payload.size();
    if (n < 126) {
        frame.push_back(std::byte(n));
    } else if (n <= 0xffff) {
        frame.push_back(std::byte{126});
        for (int shift = 8; shift >= 0; shift -= 8) frame.push_back(std::byte((n >> shift) & 0xff));
    } else {
        frame.push_back(std::byte{127});
        for (int shift = 56; shift >= 0; shift -= 8) frame.push_back(std::byte((n >> shift) & 0xff));
    }
    frame.insert(frame.end(), payload.begin(), payload.end());
    return frame;
}

Bytes pattern(std::size_t n, std::uint8_t seed) {
    Bytes out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = std::byte(static_cast<std::uint8_t>(seed + i * 7));
    return out;
}

Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

// Joins payload pieces into messages and records control frames, as the socket reader does.
struct Recorder final : WsFrameReader::Handler {
    std::vector<Bytes> messages;
    std::vector<std::pair<WsOpcode, Bytes>> controls;
    Bytes current;
    std::size_t stop_after_messages = SIZE_MAX;

    bool payload(std::span<const std::byte> piece, bool final, std::size_t) override {
        current.insert(current.end(), piece.begin(), piece.end());
        if (final) messages.push_back(std::exchange(current, {}));
        return messages.size() < stop_after_messages;
    }
    bool control(WsOpcode opcode, std::span<const std::byte> payload) override {
        controls.emplace_back(opcode, Bytes(payload.begin(), payload.end()));
        return true;
    }
};

// Feeds `stream` in pieces of `step` bytes; returns the first error, if any.
std::string feed_in_steps(WsFrameReader& reader, Recorder& recorder, const Bytes& stream, std::size_t step) {
    for (std::size_t at = 0; at < stream.size(); at += step) {
        const auto piece = std::span(stream).subspan(at, std::min(step, stream.size() - at));
        if (auto fed = reader.feed(piece, recorder); !fed) return fed.error().message;
    }
    return {};
}

std::string error_of(const Bytes& stream) {
    WsFrameReader reader;
    Recorder recorder;
    return feed_in_steps(reader, recorder, stream, stream.size());
}

}  // namespace

TEST_CASE("messages of every length form come out whole however the stream is split",
          "[socket_read][websocket_frames]") {
    const Bytes small = pattern(5, 1);
    const Bytes medium = pattern(300, 2);       // 16-bit length
    const Bytes large = pattern(70'000, 3);     // 64-bit length
    const Bytes stream = concat({server_frame(0x82, small), server_frame(0x82, medium), server_frame(0x82, {}),
                                 server_frame(0x82, large), server_frame(0x81, pattern(3, 4))});
    for (const std::size_t step : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{13}, std::size_t{4096},
                                   stream.size()}) {
        WsFrameReader reader;
        Recorder recorder;
        INFO("step " << step);
        REQUIRE(feed_in_steps(reader, recorder, stream, step).empty());
        REQUIRE(recorder.messages.size() == 5);
        CHECK(recorder.messages[0] == small);
        CHECK(recorder.messages[1] == medium);
        CHECK(recorder.messages[2].empty());
        CHECK(recorder.messages[3] == large);
        CHECK(recorder.messages[4] == pattern(3, 4));
        CHECK(recorder.controls.empty());
    }
}

TEST_CASE("a fragmented message is joined across a ping between its fragments", "[socket_read][websocket_frames]") {
    const Bytes a = pattern(200, 5);
    const Bytes b = pattern(10, 6);
    const Bytes ping = pattern(4, 7);
    const Bytes stream = concat({server_frame(0x02, a), server_frame(0x89, ping), server_frame(0x00, b),
                                 server_frame(0x80, {}), server_frame(0x82, pattern(1, 8))});
    for (const std::size_t step : {std::size_t{1}, std::size_t{7}, stream.size()}) {
        WsFrameReader reader;
        Recorder recorder;
        REQUIRE(feed_in_steps(reader, recorder, stream, step).empty());
        REQUIRE(recorder.messages.size() == 2);
        CHECK(recorder.messages[0] == concat({a, b}));
        CHECK(recorder.messages[1] == pattern(1, 8));
        REQUIRE(recorder.controls.size() == 1);
        CHECK(recorder.controls[0].first == WsOpcode::ping);
        CHECK(recorder.controls[0].second == ping);
    }
}

TEST_CASE("a handler that stops reading leaves the rest of the bytes unparsed", "[socket_read][websocket_frames]") {
    WsFrameReader reader;
    Recorder recorder;
    recorder.stop_after_messages = 1;
    const Bytes stream = concat({server_frame(0x82, pattern(3, 1)), server_frame(0x82, pattern(3, 2))});
    REQUIRE(reader.feed(stream, recorder));
    CHECK(recorder.messages.size() == 1);
}

TEST_CASE("protocol violations by the server are errors", "[socket_read][websocket_frames]") {
    CHECK_THAT(error_of({std::byte{0x82}, std::byte{0x81}, std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4},
                         std::byte{5}}),
               Catch::Contains("masked"));
    CHECK_THAT(error_of(server_frame(0xc2, pattern(2, 1))), Catch::Contains("reserved bits"));
    CHECK_THAT(error_of(server_frame(0x83, pattern(2, 1))), Catch::Contains("opcode 3"));
    CHECK_THAT(error_of(server_frame(0x89, pattern(126, 1))), Catch::Contains("over 125"));
    CHECK_THAT(error_of(server_frame(0x09, pattern(2, 1))), Catch::Contains("fragmented control"));
    CHECK_THAT(error_of(server_frame(0x80, pattern(2, 1))), Catch::Contains("continuation frame outside"));
    CHECK_THAT(error_of(concat({server_frame(0x02, pattern(2, 1)), server_frame(0x82, pattern(2, 1))})),
               Catch::Contains("inside a fragmented"));
    Bytes huge{std::byte{0x82}, std::byte{127}, std::byte{0x80}};
    huge.resize(10, std::byte{0});
    CHECK_THAT(error_of(huge), Catch::Contains("top bit"));
}

TEST_CASE("reset forgets a half-read frame", "[socket_read][websocket_frames]") {
    WsFrameReader reader;
    Recorder recorder;
    const Bytes frame = server_frame(0x82, pattern(50, 1));
    REQUIRE(reader.feed(std::span(frame).first(20), recorder));
    reader.reset();
    recorder.current.clear();  // the socket reader resets its assembler alongside
    REQUIRE(reader.feed(frame, recorder));
    REQUIRE(recorder.messages.size() == 1);
    CHECK(recorder.messages[0] == pattern(50, 1));
}

TEST_CASE("client frames are masked and unmask to their payload", "[socket_read][websocket_frames]") {
    for (const std::size_t n : {std::size_t{0}, std::size_t{125}, std::size_t{126}, std::size_t{70'000}}) {
        const Bytes payload = pattern(n, 9);
        const std::string frame = client_frame(WsOpcode::pong, payload);
        const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(frame[i]); };
        CHECK(byte(0) == 0x8a);
        CHECK((byte(1) & 0x80) != 0);
        std::size_t at = 2;
        std::uint64_t length = byte(1) & 0x7f;
        if (length == 126) {
            length = (std::uint64_t{byte(2)} << 8) | byte(3);
            at = 4;
        } else if (length == 127) {
            length = 0;
            for (std::size_t i = 2; i < 10; ++i) length = (length << 8) | byte(i);
            at = 10;
        }
        REQUIRE(length == n);
        REQUIRE(frame.size() == at + 4 + n);
        Bytes unmasked(n);
        for (std::size_t i = 0; i < n; ++i) unmasked[i] = std::byte(byte(at + 4 + i) ^ byte(at + i % 4));
        CHECK(unmasked == payload);
    }
}
