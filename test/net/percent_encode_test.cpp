#include <catch2/catch.hpp>

#include "net/percent_encode.hpp"

TEST_CASE("percent-encoding keeps the unreserved characters and encodes every other byte", "[net][percent_encode]") {
    CHECK(net::percent_encode("did:plc:abc-_.~XYZ09") == "did%3Aplc%3Aabc-_.~XYZ09");
    CHECK(net::percent_encode("a b&c=d/é") == "a%20b%26c%3Dd%2F%C3%A9");
    CHECK(net::percent_encode("") == "");
}
