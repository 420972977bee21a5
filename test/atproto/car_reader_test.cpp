#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include <fmt/core.h>

#include "atproto/car/block_index.hpp"
#include "atproto/car/car_reader.hpp"
#include "test/atproto/fixtures.hpp"

using atproto::Errc;
using atproto::car::BlockIndex;
using atproto::car::CarReader;
using test_atproto::hex;

namespace {

atproto::Expected<BlockIndex> index_of(const std::vector<std::byte>& car, atproto::car::Options options = {}) {
    auto reader = CarReader::open(car, options);
    if (!reader) return tl::unexpected(reader.error());
    return BlockIndex::build(*reader);
}

std::vector<std::byte> valid_repo() {
    return test_atproto::read_bytes(test_atproto::shared_path("fixtures/rsky/valid_repo.car"));
}

}  // namespace

TEST_CASE("every fixture CAR has the expected roots, sections and unique blocks, all verified",
          "[atproto][car_reader]") {
    for (const auto& relative : test_atproto::fixture_cars_with_expected()) {
        INFO(relative);
        const auto car = test_atproto::read_bytes(test_atproto::shared_path("fixtures/" + relative));
        std::string expected_path = test_atproto::shared_path("fixtures/" + relative);
        expected_path.replace(expected_path.size() - 4, 4, ".expected.json");
        simdjson::dom::parser parser;
        auto expected = parser.load(expected_path).value()["car"];
        auto reader = CarReader::open(car);
        REQUIRE(reader);
        std::vector<std::string> roots;
        for (const auto& root : reader->roots()) roots.push_back(root.to_string());
        std::vector<std::string> expected_roots;
        for (auto r : test_atproto::array(expected["roots"])) expected_roots.emplace_back(r.get_string().value());
        CHECK(roots == expected_roots);
        auto index = BlockIndex::build(*reader);
        REQUIRE(index);
        CHECK(index->sections() == expected["block_sections"].get_uint64().value());
        CHECK(index->size() == expected["unique_blocks"].get_uint64().value());
    }
}

TEST_CASE("duplicate block sections are tolerated and indexed once", "[atproto][car_reader]") {
    const auto block = test_atproto::block_of(hex("a1 61 61 01"));
    const auto other = test_atproto::block_of(hex("a1 61 61 02"));
    const auto car = test_atproto::make_car({block.cid}, {block, other, block});
    auto index = index_of(car);
    REQUIRE(index);
    CHECK(index->sections() == 3);
    CHECK(index->size() == 2);
    CHECK(index->find(other.cid)->size() == other.data.size());
    CHECK_FALSE(index->find(atproto::Cid::of(atproto::Cid::dag_cbor, hex("00"))));
}

TEST_CASE("an index read again holds only the new CAR's blocks, after a small CAR, a large one and a bad one",
          "[atproto][car_reader]") {
    const auto a = test_atproto::block_of(hex("a1 61 61 01"));
    const auto b = test_atproto::block_of(hex("a1 61 61 02"));
    const auto small = test_atproto::make_car({a.cid}, {a, b});
    // 3,000 blocks {"a": n}: a table larger than read() keeps.
    std::vector<test_atproto::TestBlock> many;
    for (int n = 0; n < 3000; ++n) {
        many.push_back(test_atproto::block_of(hex(fmt::format("a1 61 61 19 {:02x} {:02x}", n >> 8, n & 0xff))));
    }
    const auto repo = test_atproto::make_car({many.front().cid}, many);
    auto repo_blocks = index_of(repo);
    REQUIRE(repo_blocks);
    REQUIRE(repo_blocks->size() == 3000);

    BlockIndex index;
    const auto read = [&](const std::vector<std::byte>& car) {
        auto reader = CarReader::open(car);
        REQUIRE(reader);
        return index.read(*reader);
    };
    REQUIRE(read(repo));
    CHECK(index.size() == repo_blocks->size());
    REQUIRE(read(small));
    CHECK(index.size() == 2);
    CHECK(index.sections() == 2);
    CHECK(index.find(a.cid)->size() == a.data.size());
    CHECK(index.find(b.cid));
    const auto c = test_atproto::block_of(hex("a1 61 61 03"));
    REQUIRE(read(test_atproto::make_car({c.cid}, {c})));
    CHECK(index.size() == 1);
    CHECK_FALSE(index.find(a.cid));  // the table was kept, its old blocks were not
    CHECK(index.find(c.cid));
    REQUIRE(read(small));
    CHECK(index.size() == 2);
    CHECK_FALSE(index.find(c.cid));
    REQUIRE(read(repo));
    CHECK(index.size() == repo_blocks->size());
    CHECK_FALSE(index.find(c.cid));

    auto bad = small;
    bad.back() ^= std::byte{0x01};  // the last block's bytes no longer hash to its CID
    CHECK_FALSE(read(bad));
}

TEST_CASE("a block whose bytes do not hash to its CID is rejected unless checks are off", "[atproto][car_reader]") {
    auto car = valid_repo();
    auto reader = CarReader::open(car);
    atproto::car::Block first;
    REQUIRE(reader->next(first).value());
    atproto::car::Block second;
    REQUIRE(reader->next(second).value());
    const auto data_offset = static_cast<std::size_t>(second.data.data() - car.data());
    car[data_offset + 3] ^= std::byte{0x01};
    auto r = index_of(car);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::block_hash_mismatch);
    CHECK(r.error().offset == second.offset);
    CHECK(r.error().cid == second.cid);
    CHECK(index_of(car, {.verify_hashes = false}));
}

TEST_CASE("a CAR cut inside a section is truncated at that section's offset", "[atproto][car_reader]") {
    const auto car = valid_repo();
    auto reader = CarReader::open(car);
    std::set<std::size_t> boundaries{reader->offset()};
    std::vector<std::size_t> starts;
    atproto::car::Block block;
    while (reader->next(block).value()) {
        starts.push_back(block.offset);
        boundaries.insert(reader->offset());
    }
    for (std::size_t size = 0; size < car.size(); ++size) {
        const std::vector<std::byte> prefix(car.begin(), car.begin() + static_cast<std::ptrdiff_t>(size));
        auto r = index_of(prefix);
        if (boundaries.count(size) != 0) {
            CHECK(r);
            continue;
        }
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::truncated);
        if (size > *boundaries.begin()) {
            const auto section = std::upper_bound(starts.begin(), starts.end(), size) - 1;
            CHECK(r.error().offset == *section);
        }
    }
}

TEST_CASE("bad varints, empty sections and bad headers are rejected", "[atproto][car_reader]") {
    CHECK(index_of(hex("ffffffffffffffffff01")).error().code == Errc::bad_varint);
    CHECK(index_of(hex("00")).error().code == Errc::bad_car_header);
    CHECK(index_of(hex("01 01")).error().code == Errc::bad_car_header);
    // {"roots": [], "version": 2}
    CHECK(index_of(hex("11 a2 65 726f6f7473 80 67 76657273696f6e 02")).error().code ==
          Errc::unsupported_car_version);
    // {"version": 1} without roots
    CHECK(index_of(hex("0a a1 67 76657273696f6e 01")).error().code == Errc::bad_car_header);
    auto car = test_atproto::make_car({}, {});
    car.push_back(std::byte{0x00});
    auto r = index_of(car);
    CHECK(r.error().code == Errc::empty_block_section);
    CHECK(r.error().offset == car.size() - 1);
    car.back() = std::byte{0x80};
    CHECK(index_of(car).error().code == Errc::truncated);
    car.back() = std::byte{0x03};
    car.insert(car.end(), {std::byte{0x01}, std::byte{0x71}, std::byte{0x12}});
    CHECK(index_of(car).error().code == Errc::unsupported_cid);
}
