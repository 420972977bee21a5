#include "stages/socket_read/websocket_handshake.hpp"

#include <algorithm>
#include <array>
#include <random>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "atproto/syntax/ascii.hpp"

namespace stages::socket_read {
namespace {

// A response head larger than this is not a WebSocket server's answer.
constexpr std::size_t max_response_bytes = 16 * 1024;
constexpr std::string_view accept_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
constexpr std::string_view head_end = "\r\n\r\n";

std::string base64(const unsigned char* data, std::size_t size) {
    std::string out(4 * ((size + 2) / 3), '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

using atproto::syntax::ascii::iequals;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Whether a comma-separated header value holds `token` (case-insensitive).
bool has_token(std::string_view value, std::string_view token) {
    while (!value.empty()) {
        const auto comma = value.find(',');
        if (iequals(trim(value.substr(0, comma)), token)) return true;
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return false;
}

}  // namespace

WsHandshake::WsHandshake(std::string_view host_header, std::string_view path_and_query) {
    std::array<unsigned char, 16> nonce{};
    if (RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1) {
        std::random_device random;  // the key only has to differ between connections
        for (auto& b : nonce) b = static_cast<unsigned char>(random());
    }
    key_ = base64(nonce.data(), nonce.size());
    request_ = fmt::format(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: {}\r\nSec-WebSocket-Version: 13\r\nUser-Agent: wintermute\r\n\r\n",
        path_and_query, host_header, key_);
}

std::string WsHandshake::accept_for(std::string_view key) {
    std::string input(key);
    input += accept_guid;
    std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
    SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest.data());
    return base64(digest.data(), digest.size());
}

WsHandshake::Answer WsHandshake::feed(std::span<const std::byte> bytes) {
    const std::size_t before = response_.size();
    const std::size_t room = max_response_bytes - before;
    response_.append(reinterpret_cast<const char*>(bytes.data()), std::min(bytes.size(), room));
    // The head's end may straddle two pieces: search from a little before the new bytes.
    const auto end = response_.find(head_end, before >= 3 ? before - 3 : 0);
    if (end == std::string::npos) {
        if (response_.size() >= max_response_bytes) {
            return {Status::rejected, bytes.size(), "the relay's response head is over 16 KiB"};
        }
        return {Status::incomplete, bytes.size(), {}};
    }
    const std::size_t head_size = end + head_end.size();
    response_.resize(head_size);
    return check(head_size - before);
}

WsHandshake::Answer WsHandshake::check(std::size_t consumed) const {
    const auto reject = [&](std::string why) { return Answer{Status::rejected, consumed, std::move(why)}; };
    std::string_view head(response_);
    const auto first_end = head.find("\r\n");
    const std::string_view status_line = head.substr(0, first_end);
    // "HTTP/1.1 101 Switching Protocols"
    const auto space = status_line.find(' ');
    if (status_line.substr(0, 5) != "HTTP/" || space == std::string_view::npos) {
        return reject(fmt::format("not an HTTP response: {:.80}", status_line));
    }
    if (status_line.substr(space + 1, 4) != "101 " && status_line.substr(space + 1) != "101") {
        return reject(fmt::format("the relay refused the upgrade: {:.200}", status_line));
    }
    bool upgrade = false;
    bool connection = false;
    bool accepted = false;
    const std::string expected = accept_for(key_);
    head.remove_prefix(first_end + 2);
    while (!head.empty()) {
        const auto line_end = head.find("\r\n");
        const std::string_view line = head.substr(0, line_end);
        head.remove_prefix(line_end == std::string_view::npos ? head.size() : line_end + 2);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        const std::string_view name = trim(line.substr(0, colon));
        const std::string_view value = trim(line.substr(colon + 1));
        if (iequals(name, "upgrade")) upgrade = iequals(value, "websocket");
        else if (iequals(name, "connection")) connection = has_token(value, "upgrade");
        else if (iequals(name, "sec-websocket-accept")) accepted = value == expected;
        else if (iequals(name, "sec-websocket-extensions") && !value.empty()) {
            return reject(fmt::format("the relay chose an extension that was not offered: {:.80}", value));
        }
    }
    if (!upgrade || !connection) return reject("the 101 response lacks Upgrade: websocket or Connection: Upgrade");
    if (!accepted) return reject("the relay's Sec-WebSocket-Accept does not match the key");
    return {Status::accepted, consumed, {}};
}

}  // namespace stages::socket_read
