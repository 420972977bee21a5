#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "atproto/repo/mst_tree.hpp"
#include "atproto/repo/mst_walker.hpp"
#include "atproto/repo/repo.hpp"
#include "test/atproto/fixtures.hpp"

using atproto::Cid;
using atproto::Errc;
using atproto::repo::EncodedNode;
using atproto::repo::MstTree;
using namespace test_atproto;

namespace {

Cid cid(std::string_view text) {
    auto parsed = Cid::from_string(text);
    REQUIRE(parsed);
    return *parsed;
}

std::vector<std::string> strings(simdjson::dom::element e) {
    std::vector<std::string> out;
    for (simdjson::dom::element s : array(e)) out.emplace_back(std::string_view(s));
    return out;
}

Cid build(const std::vector<std::string>& keys, const Cid& value, std::vector<EncodedNode>* nodes = nullptr) {
    MstTree tree;
    for (const auto& key : keys) REQUIRE(tree.insert(key, value));
    return tree.root_cid(nodes);
}

struct Leaves {
    std::vector<std::string> keys;
    std::vector<Cid> values;
};

// Every leaf; nullopt for a partial repo (a block is missing).
std::optional<Leaves> leaves_of(const atproto::repo::Repo& repo) {
    Leaves out;
    atproto::repo::MstWalker walker(repo.blocks, repo.commit.data);
    atproto::repo::Leaf leaf;
    for (;;) {
        auto more = walker.next(leaf);
        if (!more) return std::nullopt;
        if (!*more) break;
        out.keys.emplace_back(leaf.key);
        out.values.push_back(leaf.cid);
    }
    return out;
}

}  // namespace

TEST_CASE("commit-proof fixtures build, edit and invert to the expected roots", "[atproto][mst_tree]") {
    simdjson::dom::parser parser;
    const auto text = read_text(shared_path("fixtures/atproto-interop-tests/firehose/commit-proof-fixtures.json"));
    simdjson::dom::element fixtures = parser.parse(text);
    for (simdjson::dom::element fixture : array(fixtures)) {
        INFO(std::string_view(fixture["comment"]));
        const Cid value = cid(std::string_view(fixture["leafValue"]));
        const auto keys = strings(fixture["keys"]);
        const auto adds = strings(fixture["adds"]);
        const auto dels = strings(fixture["dels"]);
        const Cid before = cid(std::string_view(fixture["rootBeforeCommit"]));
        const Cid after = cid(std::string_view(fixture["rootAfterCommit"]));

        MstTree tree;
        for (const auto& key : keys) REQUIRE(tree.insert(key, value));
        CHECK(tree.root_cid() == before);
        for (const auto& key : adds) REQUIRE(tree.insert(key, value));
        for (const auto& key : dels) CHECK(tree.remove(key) == value);
        CHECK(tree.root_cid() == after);

        // Only the proof blocks of the new tree: inverting the ops must still reach the old root.
        std::vector<std::string> after_keys;
        for (const auto& key : keys) {
            if (std::find(dels.begin(), dels.end(), key) == dels.end()) after_keys.push_back(key);
        }
        after_keys.insert(after_keys.end(), adds.begin(), adds.end());
        std::vector<EncodedNode> all;
        REQUIRE(build(after_keys, value, &all) == after);
        atproto::car::BlockIndex proof;
        for (const auto& wanted : strings(fixture["blocksInProof"])) {
            const auto node = std::find_if(all.begin(), all.end(), [&](const auto& n) { return n.cid == cid(wanted); });
            REQUIRE(node != all.end());
            proof.insert(node->cid, node->block);
        }
        MstTree partial(proof, after);
        for (const auto& key : adds) CHECK(partial.remove(key) == value);
        for (const auto& key : dels) CHECK(partial.insert(key, value));
        CHECK(partial.root_cid() == before);
    }
}

TEST_CASE("inserting every record of a fixture repo in any order rebuilds its MST root", "[atproto][mst_tree]") {
    std::size_t checked = 0;
    for (const auto& car_path : fixture_cars_with_expected()) {
        INFO(car_path);
        const auto bytes = read_bytes(shared_path("fixtures/" + car_path));
        auto repo = atproto::repo::open_repo(bytes);
        if (!repo) continue;  // the invalid-CAR fixtures
        const auto walked = leaves_of(*repo);
        if (!walked) continue;  // partial CARs
        const Leaves& leaves = *walked;
        MstTree forward;
        MstTree backward;
        for (std::size_t i = 0; i < leaves.keys.size(); ++i) {
            REQUIRE(forward.insert(leaves.keys[i], leaves.values[i]));
            const std::size_t j = leaves.keys.size() - 1 - i;
            REQUIRE(backward.insert(leaves.keys[j], leaves.values[j]));
        }
        ++checked;
        CHECK(forward.root_cid() == repo->commit.data);
        CHECK(backward.root_cid() == repo->commit.data);
    }
    CHECK(checked >= 5);
}

TEST_CASE("removing and re-inserting keys of a loaded repo tree restores its root", "[atproto][mst_tree]") {
    const auto bytes = read_bytes(shared_path("fixtures/jetstream-corpus/repo.car"));
    auto repo = atproto::repo::open_repo(bytes);
    REQUIRE(repo);
    const auto walked = leaves_of(*repo);
    REQUIRE(walked);
    const Leaves& leaves = *walked;
    MstTree tree(repo->blocks, repo->commit.data);
    for (std::size_t i = 0; i < leaves.keys.size(); i += 3) CHECK(tree.remove(leaves.keys[i]) == leaves.values[i]);
    CHECK(tree.root_cid() != repo->commit.data);
    for (std::size_t i = 0; i < leaves.keys.size(); i += 3) CHECK(tree.insert(leaves.keys[i], leaves.values[i]));
    CHECK(tree.root_cid() == repo->commit.data);
    for (std::size_t i = 0; i < leaves.keys.size(); ++i) CHECK(tree.remove(leaves.keys[i]) == leaves.values[i]);
    CHECK(tree.root_cid() == MstTree().root_cid());
}

TEST_CASE("tree edits report present, absent and missing keys and blocks as errors", "[atproto][mst_tree]") {
    const Cid value = Cid::of(Cid::dag_cbor, hex("a0"));
    MstTree tree;
    REQUIRE(tree.insert("app.bsky.feed.post/1", value));
    CHECK(tree.insert("app.bsky.feed.post/1", value).error().code == Errc::mst_key_exists);
    CHECK(tree.remove("app.bsky.feed.post/2").error().code == Errc::mst_key_absent);
    CHECK(tree.update("app.bsky.feed.post/2", value).error().code == Errc::mst_key_absent);
    CHECK(tree.insert("", value).error().code == Errc::bad_mst_key);
    CHECK(tree.get("app.bsky.feed.post/1").value() == value);
    CHECK(!tree.get("app.bsky.feed.post/2").value());

    atproto::car::BlockIndex empty;
    const Cid root = tree.root_cid();
    MstTree partial(empty, root);
    const auto missing = partial.get("app.bsky.feed.post/1");
    REQUIRE(!missing);
    CHECK(missing.error().code == Errc::missing_block);
    CHECK(missing.error().cid == root);
}

TEST_CASE("a node whose keys are not all at one layer is rejected", "[atproto][mst_tree]") {
    const Cid value = Cid::of(Cid::dag_cbor, hex("a0"));
    std::string low;
    std::string high;
    for (int i = 0; low.empty() || high.empty(); ++i) {
        const std::string key = "a.b.c/" + std::to_string(i);
        const unsigned h = atproto::repo::key_height(key);
        if (h == 0 && low.empty()) low = key;
        if (h == 1 && high.empty()) high = key;
    }
    if (high < low) std::swap(low, high);
    atproto::repo::MstNode node;
    node.entries.push_back({0, std::as_bytes(std::span(low.data(), low.size())), std::nullopt, value});
    node.entries.push_back({0, std::as_bytes(std::span(high.data(), high.size())), std::nullopt, value});
    std::vector<std::byte> block;
    atproto::repo::encode_mst_node(node, block);
    const Cid root = Cid::of(Cid::dag_cbor, block);
    atproto::car::BlockIndex index;
    index.insert(root, block);
    MstTree tree(index, root);
    const auto result = tree.get(low);
    REQUIRE(!result);
    CHECK(result.error().code == Errc::bad_mst_node);
    CHECK(result.error().cid == root);
}
