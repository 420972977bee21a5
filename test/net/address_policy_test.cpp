#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <string>

#include <catch2/catch.hpp>

#include "net/address_policy.hpp"

namespace {

bool private_text(const std::string& text) {
    sockaddr_in6 v6{};
    sockaddr_in v4{};
    if (inet_pton(AF_INET, text.c_str(), &v4.sin_addr) == 1) {
        v4.sin_family = AF_INET;
        return net::is_private_address(reinterpret_cast<const sockaddr*>(&v4));
    }
    REQUIRE(inet_pton(AF_INET6, text.c_str(), &v6.sin6_addr) == 1);
    v6.sin6_family = AF_INET6;
    return net::is_private_address(reinterpret_cast<const sockaddr*>(&v6));
}

}  // namespace

TEST_CASE("loopback, RFC 1918, link-local and CGNAT IPv4 addresses are private", "[net][address_policy]") {
    for (const char* address : {"127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.0.1", "172.31.255.255",
                                "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1",
                                "255.255.255.255"}) {
        INFO(address);
        CHECK(private_text(address));
    }
}

TEST_CASE("public IPv4 addresses next to the private ranges are not private", "[net][address_policy]") {
    for (const char* address : {"8.8.8.8", "172.15.255.255", "172.32.0.1", "100.63.255.255", "100.128.0.1",
                                "11.0.0.1", "192.169.0.1", "1.1.1.1"}) {
        INFO(address);
        CHECK_FALSE(private_text(address));
    }
}

TEST_CASE("IPv6 loopback, link-local, unique-local and mapped private IPv4 are private", "[net][address_policy]") {
    for (const char* address : {"::1", "::", "fe80::1", "fd00::1", "fc12::3", "ff02::1", "::ffff:127.0.0.1",
                                "::ffff:10.0.0.1", "2001:db8::1"}) {
        INFO(address);
        CHECK(private_text(address));
    }
}

TEST_CASE("public IPv6 addresses and mapped public IPv4 are not private", "[net][address_policy]") {
    for (const char* address : {"2606:4700:4700::1111", "2a00:1450:4001::1", "::ffff:8.8.8.8"}) {
        INFO(address);
        CHECK_FALSE(private_text(address));
    }
}

TEST_CASE("a non-IP socket address counts as private", "[net][address_policy]") {
    sockaddr address{};
    address.sa_family = AF_UNIX;
    CHECK(net::is_private_address(&address));
    CHECK_FALSE(net::address_text(&address).has_value());
}
