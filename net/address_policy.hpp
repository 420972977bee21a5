// Which peer addresses count as private: loopback, RFC 1918, CGNAT, link-local, unique-local,
// multicast, unspecified and reserved ranges (IPv4-mapped IPv6 judged by its IPv4 part). The HTTP
// client refuses to connect to them unless allowed. Thread-safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

struct sockaddr;

namespace net {

[[nodiscard]] bool is_private_ipv4(const std::array<std::uint8_t, 4>& address) noexcept;
[[nodiscard]] bool is_private_ipv6(const std::array<std::uint8_t, 16>& address) noexcept;
// Families other than AF_INET / AF_INET6 (e.g. AF_UNIX) count as private.
[[nodiscard]] bool is_private_address(const sockaddr* address) noexcept;
// Numeric text form of an AF_INET / AF_INET6 address; nullopt for other families.
[[nodiscard]] std::optional<std::string> address_text(const sockaddr* address);

}  // namespace net
