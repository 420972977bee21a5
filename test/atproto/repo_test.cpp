#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

#include "atproto/base_encoding.hpp"
#include "atproto/cbor/json.hpp"
#include "atproto/cbor/reader.hpp"
#include "atproto/cbor/writer.hpp"
#include "atproto/repo/commit.hpp"
#include "atproto/repo/mst_node.hpp"
#include "atproto/repo/mst_walker.hpp"
#include "atproto/repo/repo.hpp"
#include "test/atproto/fixtures.hpp"

using atproto::Cid;
using atproto::Errc;
using atproto::repo::Leaf;
using atproto::repo::MstWalker;

namespace {

std::string optional_string(simdjson::dom::element e) {
    return e.is_null() ? std::string("null") : std::string(e.get_string().value());
}

// Walks the repo, collecting "collection rkey cid" lines and each record's JSON by CID.
atproto::Expected<std::vector<std::string>> walk(const atproto::repo::Repo& repo,
                                                 std::map<std::string, std::string>* json = nullptr,
                                                 std::size_t* nodes = nullptr,
                                                 atproto::repo::WalkOptions options = {}) {
    MstWalker walker(repo.blocks, repo.commit.data, options);
    std::vector<std::string> out;
    Leaf leaf;
    for (;;) {
        auto more = walker.next(leaf);
        if (!more) return tl::unexpected(more.error());
        if (!*more) break;
        out.push_back(std::string(leaf.collection) + " " + std::string(leaf.rkey) + " " + leaf.cid.to_string());
        if (json) {
            std::string text;
            REQUIRE(atproto::cbor::to_json(leaf.record, text));
            (*json)[leaf.cid.to_string()] = text;
        }
    }
    if (nodes) *nodes = walker.nodes_visited();
    return out;
}

// A node {"e": [entries…], "l": left} where each entry is (prefix, suffix, tree, value).
struct E {
    std::uint64_t p;
    std::string k;
    std::optional<Cid> t;
    Cid v;
};
std::vector<std::byte> node(const std::vector<E>& entries, std::optional<Cid> left = std::nullopt) {
    std::vector<std::byte> out;
    atproto::cbor::Writer w(out);
    w.map_head(2);
    w.text("e");
    w.array_head(entries.size());
    for (const auto& e : entries) {
        w.map_head(4);
        w.text("k");
        w.bytes(std::as_bytes(std::span(e.k.data(), e.k.size())));
        w.text("p");
        w.integer(static_cast<std::int64_t>(e.p));
        w.text("t");
        e.t ? w.link(*e.t) : w.null();
        w.text("v");
        w.link(e.v);
    }
    w.text("l");
    left ? w.link(*left) : w.null();
    return out;
}

std::vector<std::byte> commit_for(const Cid& data) {
    return atproto::repo::encode_commit("did:plc:test", "3lhmydhwizp2d", data, test_atproto::hex("0102"));
}

atproto::Expected<std::vector<std::string>> walk_blocks(const Cid& root, std::vector<test_atproto::TestBlock> blocks,
                                                        atproto::repo::WalkOptions options = {}) {
    auto commit = test_atproto::block_of(commit_for(root));
    blocks.insert(blocks.begin(), commit);
    const auto car = test_atproto::make_car({commit.cid}, blocks);
    auto repo = atproto::repo::open_repo(car);
    REQUIRE(repo);
    return walk(*repo, nullptr, nullptr, options);
}

}  // namespace

TEST_CASE("every fixture CAR decodes to its expected commit, records in MST order and sample JSON",
          "[atproto][repo]") {
    for (const auto& relative : test_atproto::fixture_cars_with_expected()) {
        INFO(relative);
        const auto car = test_atproto::read_bytes(test_atproto::shared_path("fixtures/" + relative));
        std::string expected_path = test_atproto::shared_path("fixtures/" + relative);
        expected_path.replace(expected_path.size() - 4, 4, ".expected.json");
        simdjson::dom::parser parser;
        auto expected = parser.load(expected_path).value();
        auto repo = atproto::repo::open_repo(car);
        REQUIRE(repo);
        auto commit = expected["commit"];
        CHECK(repo->commit_cid.to_string() == commit["cid"].get_string().value());
        CHECK(repo->commit.did == commit["did"].get_string().value());
        CHECK(repo->commit.version == commit["version"].get_int64().value());
        CHECK(repo->commit.data.to_string() == commit["data"].get_string().value());
        CHECK((repo->commit.prev ? repo->commit.prev->to_string() : "null") == optional_string(commit["prev"]));
        auto rev = commit["rev"];
        CHECK(repo->commit.rev == (rev.error() ? std::string_view() : rev.get_string().value()));
        std::string sig;
        atproto::append_base64(sig, repo->commit.sig);
        CHECK(sig == commit["sig"]["$bytes"].get_string().value());

        std::map<std::string, std::string> json;
        std::size_t nodes = 0;
        auto records = walk(*repo, &json, &nodes);
        auto complete = expected["mst"]["walk_complete"];
        if (!complete.error() && !complete.get_bool().value()) {
            CHECK_FALSE(records);
            continue;
        }
        REQUIRE(records);
        std::vector<std::string> expected_records;
        for (auto r : test_atproto::array(expected["records"])) {
            expected_records.push_back(std::string(r["collection"].get_string().value()) + " " +
                                       std::string(r["rkey"].get_string().value()) + " " +
                                       std::string(r["cid"].get_string().value()));
        }
        CHECK(*records == expected_records);
        CHECK(nodes == expected["mst"]["node_count"].get_uint64().value());
        for (auto sample : test_atproto::array(expected["sample_records"])) {
            const std::string cid(sample["cid"].get_string().value());
            INFO(cid);
            REQUIRE(json.count(cid) == 1);
            CHECK(test_atproto::canonical_json(json[cid]) == test_atproto::canonical(sample["value"].value()));
        }
    }
}

TEST_CASE("a partial CAR fails the walk with a missing_block error naming the absent node", "[atproto][repo]") {
    const auto car =
        test_atproto::read_bytes(test_atproto::shared_path("fixtures/indigo-testdata/cars/repo_slice.car"));
    auto repo = atproto::repo::open_repo(car);
    REQUIRE(repo);
    auto r = walk(*repo);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::missing_block);
    CHECK(r.error().cid.to_string() == "bafyreibbvuvlyhgpw46oktgv7ggfpuivms3y7xsfocxsys2ahdyr4uyola");
}

TEST_CASE("a missing record block is an error naming its CID unless records are optional", "[atproto][repo]") {
    const auto record = test_atproto::block_of(test_atproto::hex("a1 61 61 01"));
    const auto root = test_atproto::block_of(node({{0, "app.bsky.feed.like/a", {}, record.cid}}));
    auto r = walk_blocks(root.cid, {root});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::missing_block);
    CHECK(r.error().cid == record.cid);
    CHECK(walk_blocks(root.cid, {root, record}).value().size() == 1);
}

TEST_CASE("prefix-compressed keys are rebuilt and subtrees visited in key order", "[atproto][repo]") {
    const auto record = test_atproto::block_of(test_atproto::hex("a1 61 61 01"));
    const auto left = test_atproto::block_of(node({{0, "app.bsky.feed.like/a", {}, record.cid}}));
    const auto mid = test_atproto::block_of(node({{0, "app.bsky.feed.post/b", {}, record.cid},
                                                  {19, "c", {}, record.cid}}));
    const auto root = test_atproto::block_of(node({{0, "app.bsky.feed.post/a", mid.cid, record.cid},
                                                   {14, "zz/q", {}, record.cid}},
                                                  left.cid));
    // Keys chosen for their prefixes, not their heights: the layering is not what this checks.
    auto r = walk_blocks(root.cid, {root, left, mid, record}, {.verify_layers = false});
    REQUIRE(r);
    const auto cid = " " + record.cid.to_string();
    CHECK(*r == std::vector<std::string>{"app.bsky.feed.like a" + cid, "app.bsky.feed.post a" + cid,
                                         "app.bsky.feed.post b" + cid, "app.bsky.feed.post c" + cid,
                                         "app.bsky.feed.zz q" + cid});
}

TEST_CASE("the walk rejects unordered keys, bad prefixes, bad keys and cycles", "[atproto][repo]") {
    const auto record = test_atproto::block_of(test_atproto::hex("a1 61 61 01"));
    const auto unordered = test_atproto::block_of(node({{0, "a/b", {}, record.cid}, {0, "a/a", {}, record.cid}}));
    CHECK(walk_blocks(unordered.cid, {unordered, record}).error().code == Errc::mst_keys_out_of_order);
    const auto bad_prefix = test_atproto::block_of(node({{5, "a/b", {}, record.cid}}));
    CHECK(walk_blocks(bad_prefix.cid, {bad_prefix, record}).error().code == Errc::bad_mst_key);
    const auto no_slash = test_atproto::block_of(node({{0, "ab", {}, record.cid}}));
    CHECK(walk_blocks(no_slash.cid, {no_slash, record}).error().code == Errc::bad_mst_key);
    // A chain of empty nodes longer than any real tree: each links to the previous one.
    std::vector<test_atproto::TestBlock> chain{test_atproto::block_of(node({}))};
    for (std::size_t i = 0; i < MstWalker::max_depth + 1; ++i) chain.push_back(test_atproto::block_of(node({}, chain.back().cid)));
    CHECK(walk_blocks(chain.back().cid, chain).error().code == Errc::mst_too_deep);
    const auto not_a_node = test_atproto::block_of(test_atproto::hex("a1 61 78 01"));
    auto r = walk_blocks(not_a_node.cid, {not_a_node});
    CHECK(r.error().code == Errc::bad_mst_node);
    CHECK(r.error().cid == not_a_node.cid);
}

// The first key "app.bsky.feed.like/k<i>" at MST height `height`, from `from` on.
std::string key_at_height(unsigned height, int from = 0) {
    for (int i = from;; ++i) {
        auto key = "app.bsky.feed.like/k" + std::to_string(i);
        if (atproto::repo::key_height(key) == height) return key;
    }
}

TEST_CASE("the walk accepts keys at their layers and rejects a key or subtree at the wrong one", "[atproto][repo]") {
    const auto record = test_atproto::block_of(test_atproto::hex("a1 61 61 01"));
    const auto low = key_at_height(0);
    const auto high = key_at_height(1);
    const auto other_low = key_at_height(0, std::stoi(low.substr(low.find("/k") + 2)) + 1);
    const auto [first_low, second_low] = std::minmax(low, other_low);
    // Layer 1 holding `high`, layer 0 below it on the side of `high` where its key sorts.
    auto leaf_node = [&](const std::string& key) { return test_atproto::block_of(node({{0, key, {}, record.cid}})); };
    const auto child = leaf_node(low);
    const auto good = low < high ? test_atproto::block_of(node({{0, high, {}, record.cid}}, child.cid))
                                 : test_atproto::block_of(node({{0, high, child.cid, record.cid}}));
    CHECK(walk_blocks(good.cid, {good, child, record}).value().size() == 2);

    // Two keys of different heights in one node.
    const auto [a, b] = std::minmax(low, high);
    const auto mixed = test_atproto::block_of(node({{0, a, {}, record.cid}, {0, b, {}, record.cid}}));
    auto r = walk_blocks(mixed.cid, {mixed, record});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::bad_mst_node);
    CHECK(r.error().cid == mixed.cid);
    CHECK(walk_blocks(mixed.cid, {mixed, record}, {.verify_layers = false}).value().size() == 2);

    // A layer-0 key as the root's only key, with a subtree (layer 0 has none).
    const auto below = leaf_node(first_low);
    const auto zero_with_subtree = test_atproto::block_of(node({{0, second_low, {}, record.cid}}, below.cid));
    CHECK(walk_blocks(zero_with_subtree.cid, {zero_with_subtree, below, record}).error().code == Errc::bad_mst_node);

    // A subtree holding a key of its parent's layer: the parent is at layer 1, the child must be 0.
    const auto high2 = key_at_height(1, std::stoi(high.substr(high.find("/k") + 2)) + 1);
    const auto [h1, h2] = std::minmax(high, high2);
    const auto same_layer_child = leaf_node(h1);
    const auto parent = test_atproto::block_of(node({{0, h2, {}, record.cid}}, same_layer_child.cid));
    r = walk_blocks(parent.cid, {parent, same_layer_child, record});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::bad_mst_node);
    CHECK(r.error().cid == same_layer_child.cid);
}

TEST_CASE("the unsigned commit is the commit map without sig, canonically encoded", "[atproto][repo]") {
    for (const auto* relative : {"fixtures/rsky/valid_repo.car", "fixtures/indigo-testdata/cars/divy.repo.car",
                                 "fixtures/indigo-testdata/cars/greenground.repo.car"}) {
        INFO(relative);
        const auto car = test_atproto::read_bytes(test_atproto::shared_path(relative));
        auto repo = atproto::repo::open_repo(car);
        REQUIRE(repo);
        std::vector<std::byte> unsigned_bytes;
        REQUIRE(atproto::repo::unsigned_commit(repo->commit_block, unsigned_bytes));
        const auto& c = repo->commit;
        std::vector<std::byte> expected;
        atproto::cbor::Writer w(expected);
        w.map_head(c.rev.empty() ? 4 : 5);
        w.text("did");
        w.text(c.did);
        if (!c.rev.empty()) {
            w.text("rev");
            w.text(c.rev);
        }
        w.text("data");
        w.link(c.data);
        w.text("prev");
        c.prev ? w.link(*c.prev) : w.null();
        w.text("version");
        w.integer(c.version);
        CHECK(unsigned_bytes == expected);
        CHECK(atproto::cbor::validate(unsigned_bytes));
    }
}

TEST_CASE("commits missing required fields or with other versions are rejected", "[atproto][repo]") {
    using test_atproto::hex;
    // {"did": "d", "version": 3} — no data, sig, rev
    CHECK(atproto::repo::decode_commit(hex("a2 63 646964 61 64 67 76657273696f6e 03")).error().code ==
          Errc::missing_field);
    auto commit = commit_for(Cid::of(Cid::dag_cbor, hex("00")));
    commit.back() = std::byte{0x04};
    CHECK(atproto::repo::decode_commit(commit).error().code == Errc::unsupported_commit_version);
    commit.back() = std::byte{0x03};
    CHECK(atproto::repo::decode_commit(commit));
}
