#include <catch2/catch.hpp>

#include <unordered_map>

#include "atproto/cid.hpp"
#include "test/atproto/fixtures.hpp"

using atproto::Cid;

namespace {
constexpr std::string_view record_cid = "bafyreihwfaifjeb22jhvqaclqrmqhgwzvvzwxzlmbafn5qyvfx4ar5sm44";
constexpr std::string_view blob_cid = "bafkreietjwhyiccp7g2t5frhy3f4ml4kqybugcmgu3lvl4yizlzv5zihpa";
}  // namespace

TEST_CASE("a CID string parses and formats back to the same string", "[atproto][cid]") {
    for (std::string_view text : {record_cid, blob_cid}) {
        auto cid = Cid::from_string(text);
        REQUIRE(cid);
        CHECK(cid->to_string() == text);
    }
    CHECK(Cid::from_string(record_cid)->codec() == Cid::dag_cbor);
    CHECK(Cid::from_string(blob_cid)->codec() == Cid::raw);
}

TEST_CASE("the binary and tag-42 forms round-trip through Cid", "[atproto][cid]") {
    const Cid cid = *Cid::from_string(record_cid);
    const auto binary = cid.binary();
    CHECK(Cid::from_binary(binary) == cid);
    std::vector<std::byte> link{std::byte{0}};
    link.insert(link.end(), binary.begin(), binary.end());
    CHECK(Cid::from_link(link) == cid);
    CHECK_FALSE(Cid::from_link(binary));
}

TEST_CASE("CID parsing rejects other versions, codecs, hashes and bad strings", "[atproto][cid]") {
    auto binary = Cid::from_string(record_cid)->binary();
    auto bad = binary;
    bad[0] = std::byte{0x00};
    CHECK_FALSE(Cid::from_binary(bad));
    bad = binary;
    bad[1] = std::byte{0x70};  // dag-pb
    CHECK_FALSE(Cid::from_binary(bad));
    bad = binary;
    bad[2] = std::byte{0x13};  // sha2-512
    CHECK_FALSE(Cid::from_binary(bad));
    CHECK_FALSE(Cid::from_binary(std::span(binary).first(35)));
    CHECK_FALSE(Cid::from_string("QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"));
    CHECK_FALSE(Cid::from_string("Bafyreihwfaifjeb22jhvqaclqrmqhgwzvvzwxzlmbafn5qyvfx4ar5sm44"));
    CHECK_FALSE(Cid::from_string("bafyreihwfaifjeb22jhvqaclqrmqhgwzvvzwxzlmbafn5qyvfx4ar5sm4"));
    CHECK_FALSE(Cid::from_string("bafyreihwfaifjeb22jhvqaclqrmqhgwzvvzwxzlmbafn5qyvfx4ar5sm41"));
    CHECK_FALSE(Cid::from_string("bafyreihwfaifjeb22jhvqaclqrmqhgwzvvzwxzlmbafn5qyvfx4ar5sm4A"));
}

TEST_CASE("a CID is the sha256 of the block and works as an unordered_map key", "[atproto][cid]") {
    const auto block = test_atproto::hex("a1 61 61 01");
    const Cid a = Cid::of(Cid::dag_cbor, block);
    CHECK(a.matches(block));
    CHECK(a != Cid::of(Cid::raw, block));
    std::unordered_map<Cid, int> map;
    map[a] = 1;
    map[*Cid::from_string(record_cid)] = 2;
    CHECK(map.at(Cid::of(Cid::dag_cbor, block)) == 1);
    CHECK(map.size() == 2);
    CHECK(Cid{}.empty());
    CHECK((a < *Cid::from_string(record_cid) || *Cid::from_string(record_cid) < a));
}
