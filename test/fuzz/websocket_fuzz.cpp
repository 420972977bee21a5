// libFuzzer target: what a relay sends the socket reader — its answer to the upgrade request, and
// WebSocket frames — from hostile bytes. The handshake parser must not crash; the frame parser must
// not crash either, and what it delivers (messages, control frames, the error that stops it) must
// not depend on how TCP split the stream: the input is parsed whole and again in pieces whose size
// the first byte chooses, and the two must agree.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "stages/socket_read/websocket_frames.hpp"
#include "stages/socket_read/websocket_handshake.hpp"

namespace {

using stages::socket_read::WsFrameReader;
using stages::socket_read::WsOpcode;

struct Transcript final : WsFrameReader::Handler {
    std::vector<std::vector<std::byte>> messages;
    std::vector<std::pair<WsOpcode, std::vector<std::byte>>> controls;
    std::vector<std::byte> current;
    std::string error;

    bool payload(std::span<const std::byte> piece, bool final, std::size_t) override {
        current.insert(current.end(), piece.begin(), piece.end());
        if (final) messages.push_back(std::exchange(current, {}));
        return true;
    }
    bool control(WsOpcode opcode, std::span<const std::byte> payload) override {
        controls.emplace_back(opcode, std::vector<std::byte>(payload.begin(), payload.end()));
        return true;
    }
    bool operator==(const Transcript& other) const {
        return messages == other.messages && controls == other.controls && current == other.current &&
               error == other.error;
    }
};

Transcript parse(std::span<const std::byte> stream, std::size_t step) {
    WsFrameReader reader;
    Transcript transcript;
    for (std::size_t at = 0; at < stream.size(); at += step) {
        auto fed = reader.feed(stream.subspan(at, std::min(step, stream.size() - at)), transcript);
        if (!fed) {
            transcript.error = fed.error().message;
            break;
        }
    }
    return transcript;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::span<const std::byte> stream(reinterpret_cast<const std::byte*>(data) + 1, size - 1);
    stages::socket_read::WsHandshake handshake("relay.example", "/xrpc/com.atproto.sync.subscribeRepos");
    (void)handshake.feed(stream);
    const std::size_t step = static_cast<std::size_t>(data[0] % 64) + 1;
    if (!(parse(stream, stream.size() + 1) == parse(stream, step))) std::abort();
    return 0;
}
