#include <catch2/catch.hpp>

#include "atproto/repo/mst_node.hpp"
#include "test/atproto/fixtures.hpp"

TEST_CASE("MST key heights match the interop vectors", "[atproto][mst_node]") {
    simdjson::dom::parser parser;
    simdjson::dom::element vectors = parser.load(test_atproto::shared_path("fixtures/atproto-interop-tests/mst/key_heights.json")).value();
    std::size_t count = 0;
    for (auto v : test_atproto::array(vectors)) {
        const std::string_view key = v["key"].get_string().value();
        INFO(key);
        CHECK(atproto::repo::key_height(key) == v["height"].get_uint64().value());
        ++count;
    }
    CHECK(count > 5);
}

TEST_CASE("MST common prefix lengths match the interop vectors", "[atproto][mst_node]") {
    simdjson::dom::parser parser;
    simdjson::dom::element vectors = parser.load(test_atproto::shared_path("fixtures/atproto-interop-tests/mst/common_prefix.json")).value();
    for (auto v : test_atproto::array(vectors)) {
        const std::string_view left = v["left"].get_string().value();
        const std::string_view right = v["right"].get_string().value();
        INFO(left << " | " << right);
        CHECK(atproto::repo::common_prefix_size(left, right) == v["len"].get_uint64().value());
    }
}

TEST_CASE("an MST node with a missing field or an extra key is rejected", "[atproto][mst_node]") {
    using test_atproto::hex;
    atproto::repo::MstNode node;
    CHECK(atproto::repo::decode_mst_node(hex("a1 61 6c f6"), node).error().code == atproto::Errc::bad_mst_node);
    CHECK(atproto::repo::decode_mst_node(hex("a2 61 65 80 61 6c f6"), node));
    CHECK(node.entries.empty());
    CHECK(atproto::repo::decode_mst_node(hex("a3 61 65 80 61 6c f6 61 7a f6"), node).error().code ==
          atproto::Errc::bad_mst_node);
    // entry with only "k"
    CHECK(atproto::repo::decode_mst_node(hex("a2 61 65 81 a1 61 6b 40 61 6c f6"), node).error().code ==
          atproto::Errc::bad_mst_node);
}
