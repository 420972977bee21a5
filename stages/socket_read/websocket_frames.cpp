#include "stages/socket_read/websocket_frames.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include <fmt/format.h>
#include <openssl/rand.h>

namespace stages::socket_read {
namespace {

bool is_control(WsOpcode opcode) { return static_cast<std::uint8_t>(opcode) >= 8; }

// Header bytes after the first two: the extended length.
std::size_t extended_length_bytes(std::uint8_t len7) { return len7 == 126 ? 2 : len7 == 127 ? 8 : 0; }

}  // namespace

common::Result<void> WsFrameReader::feed(std::span<const std::byte> bytes, Handler& handler) {
    std::size_t at = 0;
    while (at < bytes.size()) {
        if (state_ == State::header) {
            const std::size_t need = header_have_ < 2 ? 2 : 2 + extended_length_bytes(header_[1] & 0x7f);
            const std::size_t take = std::min(need - header_have_, bytes.size() - at);
            std::memcpy(header_ + header_have_, bytes.data() + at, take);
            header_have_ += take;
            at += take;
            if (header_have_ < need) continue;
            if (need == 2 && extended_length_bytes(header_[1] & 0x7f) > 0) continue;  // now read the length
            auto parsed = parse_header();
            if (!parsed) return tl::unexpected(parsed.error());
            header_have_ = 0;
            state_ = State::payload;
            control_.clear();
        }
        // The payload, possibly empty: a zero-length frame is still delivered (it may end a message).
        const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, bytes.size() - at));
        const std::span piece = bytes.subspan(at, take);
        at += take;
        remaining_ -= take;
        if (is_control(opcode_)) {
            control_.insert(control_.end(), piece.begin(), piece.end());
            if (remaining_ > 0) continue;
            state_ = State::header;
            if (!handler.control(opcode_, control_)) return {};
            continue;
        }
        const bool final = fin_ && remaining_ == 0;
        if (remaining_ == 0) {
            state_ = State::header;
            if (final) in_message_ = false;
        }
        // A piece is empty only when the frame is (its remaining bytes come with the next read).
        if (take == 0 && remaining_ > 0) continue;
        if (!handler.payload(piece, final, static_cast<std::size_t>(remaining_))) return {};
    }
    return {};
}

common::Result<void> WsFrameReader::parse_header() {
    const std::uint8_t b0 = header_[0];
    const std::uint8_t b1 = header_[1];
    if ((b0 & 0x70) != 0) return common::fail("the relay set reserved bits (no extension was negotiated)");
    if ((b1 & 0x80) != 0) return common::fail("the relay masked a frame");
    const std::uint8_t code = b0 & 0x0f;
    if (code > 2 && (code < 8 || code > 10)) return common::fail(fmt::format("unknown WebSocket opcode {}", code));
    opcode_ = static_cast<WsOpcode>(code);
    fin_ = (b0 & 0x80) != 0;
    const std::uint8_t len7 = b1 & 0x7f;
    std::uint64_t length = len7;
    if (len7 >= 126) {
        length = 0;
        for (std::size_t i = 0; i < extended_length_bytes(len7); ++i) length = (length << 8) | header_[2 + i];
        if ((length >> 63) != 0) return common::fail("a frame length with its top bit set");
    }
    if (is_control(opcode_)) {
        if (!fin_) return common::fail("a fragmented control frame");
        if (length > 125) return common::fail("a control frame over 125 bytes");
    } else if (opcode_ == WsOpcode::continuation) {
        if (!in_message_) return common::fail("a continuation frame outside a message");
    } else {
        if (in_message_) return common::fail("a new message inside a fragmented one");
        in_message_ = true;
    }
    remaining_ = length;
    return {};
}

void WsFrameReader::reset() noexcept {
    state_ = State::header;
    header_have_ = 0;
    remaining_ = 0;
    in_message_ = false;
    control_.clear();
}

std::string client_frame(WsOpcode opcode, std::span<const std::byte> payload) {
    std::string frame;
    frame.reserve(payload.size() + 14);
    frame.push_back(static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode)));
    const std::uint64_t n = payload.size();
    if (n < 126) {
        frame.push_back(static_cast<char>(0x80 | n));
    } else if (n <= 0xffff) {
        frame.push_back(static_cast<char>(0x80 | 126));
        for (int shift = 8; shift >= 0; shift -= 8) frame.push_back(static_cast<char>((n >> shift) & 0xff));
    } else {
        frame.push_back(static_cast<char>(0x80 | 127));
        for (int shift = 56; shift >= 0; shift -= 8) frame.push_back(static_cast<char>((n >> shift) & 0xff));
    }
    std::array<unsigned char, 4> mask{};
    if (RAND_bytes(mask.data(), static_cast<int>(mask.size())) != 1) {
        // Without a working CSPRNG the key only needs to vary; the relay unmasks either way.
        for (std::size_t i = 0; i < mask.size(); ++i) mask[i] = static_cast<unsigned char>(n * 31 + i * 97 + 17);
    }
    frame.append(reinterpret_cast<const char*>(mask.data()), mask.size());
    for (std::size_t i = 0; i < payload.size(); ++i) {
        frame.push_back(static_cast<char>(static_cast<std::uint8_t>(payload[i]) ^ mask[i % 4]));
    }
    return frame;
}

}  // namespace stages::socket_read
