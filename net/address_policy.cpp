#include "net/address_policy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace net {

namespace {

// `prefix_bits` leading bits of `address` equal those of `network`.
template <std::size_t N>
bool in_prefix(const std::array<std::uint8_t, N>& address, const std::array<std::uint8_t, N>& network,
               unsigned prefix_bits) noexcept {
    for (std::size_t i = 0; i < N && prefix_bits > 0; ++i) {
        const unsigned bits = prefix_bits >= 8 ? 8 : prefix_bits;
        const auto mask = static_cast<std::uint8_t>(0xff << (8 - bits));
        if ((address[i] & mask) != (network[i] & mask)) return false;
        prefix_bits -= bits;
    }
    return true;
}

struct V4Range {
    std::array<std::uint8_t, 4> network;
    unsigned bits;
};

constexpr std::array<V4Range, 13> private_v4{{
    {{0, 0, 0, 0}, 8},        // "this network"
    {{10, 0, 0, 0}, 8},       // RFC 1918
    {{100, 64, 0, 0}, 10},    // CGNAT
    {{127, 0, 0, 0}, 8},      // loopback
    {{169, 254, 0, 0}, 16},   // link-local (cloud metadata lives here)
    {{172, 16, 0, 0}, 12},    // RFC 1918
    {{192, 0, 0, 0}, 24},     // IETF protocol assignments
    {{192, 0, 2, 0}, 24},     // TEST-NET-1
    {{192, 168, 0, 0}, 16},   // RFC 1918
    {{198, 18, 0, 0}, 15},    // benchmarking
    {{198, 51, 100, 0}, 24},  // TEST-NET-2
    {{203, 0, 113, 0}, 24},   // TEST-NET-3
    {{224, 0, 0, 0}, 3},      // multicast, reserved and broadcast (224/4 + 240/4)
}};

}  // namespace

bool is_private_ipv4(const std::array<std::uint8_t, 4>& address) noexcept {
    for (const auto& range : private_v4) {
        if (in_prefix(address, range.network, range.bits)) return true;
    }
    return false;
}

bool is_private_ipv6(const std::array<std::uint8_t, 16>& address) noexcept {
    constexpr std::array<std::uint8_t, 16> zero{};
    std::array<std::uint8_t, 16> mapped_prefix{};
    mapped_prefix[10] = 0xff;
    mapped_prefix[11] = 0xff;
    if (in_prefix(address, mapped_prefix, 96)) {
        return is_private_ipv4({address[12], address[13], address[14], address[15]});
    }
    std::array<std::uint8_t, 16> loopback{};
    loopback[15] = 1;
    if (address == zero || address == loopback) return true;
    if (in_prefix(address, zero, 96)) return true;  // deprecated IPv4-compatible addresses
    const auto starts = [&](std::uint8_t b0, std::uint8_t b1, unsigned bits) {
        std::array<std::uint8_t, 16> network{};
        network[0] = b0;
        network[1] = b1;
        return in_prefix(address, network, bits);
    };
    return starts(0xfe, 0x80, 10)     // link-local
           || starts(0xfc, 0x00, 7)   // unique-local
           || starts(0xff, 0x00, 8)   // multicast
           || (starts(0x20, 0x01, 16) && address[2] == 0x0d && address[3] == 0xb8);  // documentation 2001:db8::/32
}

bool is_private_address(const sockaddr* address) noexcept {
    if (address == nullptr) return true;
    if (address->sa_family == AF_INET) {
        sockaddr_in v4{};
        std::memcpy(&v4, address, sizeof v4);
        std::array<std::uint8_t, 4> bytes{};
        std::memcpy(bytes.data(), &v4.sin_addr, bytes.size());
        return is_private_ipv4(bytes);
    }
    if (address->sa_family == AF_INET6) {
        sockaddr_in6 v6{};
        std::memcpy(&v6, address, sizeof v6);
        std::array<std::uint8_t, 16> bytes{};
        std::memcpy(bytes.data(), &v6.sin6_addr, bytes.size());
        return is_private_ipv6(bytes);
    }
    return true;
}

std::optional<std::string> address_text(const sockaddr* address) {
    char text[INET6_ADDRSTRLEN] = {};
    if (address != nullptr && address->sa_family == AF_INET) {
        sockaddr_in v4{};
        std::memcpy(&v4, address, sizeof v4);
        if (inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text) != nullptr) return std::string(text);
    } else if (address != nullptr && address->sa_family == AF_INET6) {
        sockaddr_in6 v6{};
        std::memcpy(&v6, address, sizeof v6);
        if (inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text) != nullptr) return std::string(text);
    }
    return std::nullopt;
}

}  // namespace net
