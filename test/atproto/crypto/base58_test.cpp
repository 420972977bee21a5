#include "atproto/crypto/base58.hpp"

#include <catch2/catch.hpp>

namespace ac = atproto::crypto;

TEST_CASE("base58 round-trips bytes and keeps leading zero bytes as '1'", "[atproto][crypto][base58]") {
    const std::vector<std::uint8_t> bytes = {0x00, 0x00, 0x01, 0xff, 0x80, 0x7f};
    const auto text = ac::base58_encode(bytes);
    CHECK(text.substr(0, 2) == "11");
    CHECK(ac::base58_decode(text) == bytes);
    CHECK(ac::base58_encode(std::vector<std::uint8_t>{}).empty());
    CHECK(ac::base58_decode("")->empty());
}

TEST_CASE("base58 matches the known 'hello world' vector", "[atproto][crypto][base58]") {
    const std::string hello = "hello world";
    const std::vector<std::uint8_t> bytes(hello.begin(), hello.end());
    CHECK(ac::base58_encode(bytes) == "StV1DL6CwTryKyV");
    CHECK(ac::base58_decode("StV1DL6CwTryKyV") == bytes);
}

TEST_CASE("base58 rejects characters outside the alphabet and oversized input", "[atproto][crypto][base58]") {
    CHECK_FALSE(ac::base58_decode("0abc").has_value());
    CHECK_FALSE(ac::base58_decode("Oops").has_value());
    CHECK_FALSE(ac::base58_decode("abc def").has_value());
    CHECK_FALSE(ac::base58_decode(std::string(ac::max_base58_length + 1, '2')).has_value());
}
