#include <catch2/catch.hpp>

#include <fstream>

#include "atproto/car/car_reader.hpp"
#include "atproto/cbor/writer.hpp"
#include "atproto/crypto/did_document.hpp"
#include "atproto/repo/mst_node.hpp"
#include "atproto/repo/mst_walker.hpp"
#include "atproto/repo/repo.hpp"
#include "stages/backfill/repo_classifier.hpp"
#include "test/atproto/fixtures.hpp"
#include "test/stages/backfill/capture_repos.hpp"
#include "test/support/fixtures.hpp"

namespace {

using stages::backfill::RepoClassifier;
using stages::backfill::RepoError;
using stages::classify::OpKind;
using stages::classify::StagedOp;

const std::string alice = "did:plc:6hf3ere46otfb636zn7mt2lv";
const std::string bob = "did:plc:nuftpih56uyxinjh4horny7z";

struct Run {
    std::vector<StagedOp> ops;
    tl::expected<stages::backfill::RepoSummary, stages::backfill::RepoFailure> result;
};

Run classify(const std::string& did, std::span<const std::byte> car, const atproto::crypto::PublicKey* key = nullptr) {
    static auto validator = atproto::lexicon::Validator::create_embedded();
    REQUIRE(validator);
    static const stages::backfill::RepoClassifyConfig config;
    RepoClassifier classifier(*validator, config);
    Run run;
    run.result = classifier.classify({did, car, "2026-12-02T00:00:00.000Z", key},
                                     [&](StagedOp&& op) { run.ops.push_back(std::move(op)); });
    return run;
}

std::optional<atproto::crypto::PublicKey> signing_key_of(const std::string& did) {
    std::ifstream in(test_support::shared_path("fixtures/pds-capture/plc/" + did + ".json"));
    const std::string json((std::istreambuf_iterator<char>(in)), {});
    auto doc = atproto::crypto::parse_did_document(json);
    REQUIRE(doc);
    return doc->signing_key;
}

// The CAR without the block section holding `cid`.
std::vector<std::byte> without_block(std::span<const std::byte> car, const atproto::Cid& cid) {
    auto reader = atproto::car::CarReader::open(car);
    REQUIRE(reader);
    std::vector<std::byte> out(car.begin(), car.begin() + static_cast<long>(reader->offset()));
    atproto::car::Block block;
    while (true) {
        auto more = reader->next(block);
        REQUIRE(more);
        if (!*more) break;
        if (block.cid == cid) continue;
        out.insert(out.end(), car.begin() + static_cast<long>(block.offset),
                   car.begin() + static_cast<long>(reader->offset()));
    }
    return out;
}

// A CAR of `did` whose MST root is one node holding both keys (no subtrees), each with `record`.
std::vector<std::byte> one_node_repo(const std::string& did, const std::string& a, const std::string& b) {
    const auto record = test_atproto::block_of(test_atproto::hex("a1 64 74 65 78 74 61 78"));
    std::vector<std::byte> node;
    atproto::cbor::Writer n(node);
    n.map_head(2);
    n.text("e");
    n.array_head(2);
    for (const auto* key : {&a, &b}) {
        n.map_head(4);
        n.text("k");
        n.bytes(std::as_bytes(std::span(key->data(), key->size())));
        n.text("p");
        n.integer(0);
        n.text("t");
        n.null();
        n.text("v");
        n.link(record.cid);
    }
    n.text("l");
    n.null();
    const auto root = test_atproto::block_of(node);
    std::vector<std::byte> commit;
    atproto::cbor::Writer c(commit);
    c.map_head(6);
    c.text("did");
    c.text(did);
    c.text("rev");
    c.text("3lhmydhwizp2d");
    c.text("sig");
    c.bytes(test_atproto::hex("0102"));
    c.text("data");
    c.link(root.cid);
    c.text("prev");
    c.null();
    c.text("version");
    c.integer(3);
    const auto commit_block = test_atproto::block_of(commit);
    return test_atproto::make_car({commit_block.cid}, {commit_block, root, record});
}

}  // namespace

TEST_CASE("a repo CAR gives repo_begin, its records in key order, then repo_end", "[backfill][repo_classifier]") {
    const auto car = test_backfill::repo_car(alice);
    REQUIRE(car);
    const auto run = classify(alice, *car);
    REQUIRE(run.result);
    const auto& summary = *run.result;
    REQUIRE(run.ops.size() == summary.staged + summary.seen_only + 2);
    CHECK(summary.records == summary.staged + summary.seen_only + summary.not_indexed);
    CHECK(summary.staged > 100);

    const auto& begin = run.ops.front();
    CHECK(begin.kind == OpKind::repo_begin);
    CHECK(begin.did == alice);
    CHECK(begin.time == "2026-12-02T00:00:00.000Z");
    for (const auto& listed : test_backfill::listed_repos()) {
        if (listed.did != alice) continue;
        CHECK(begin.cid == listed.head);
        CHECK(begin.rev == listed.rev);
    }
    CHECK(run.ops.back().kind == OpKind::repo_end);
    CHECK_FALSE(run.ops.back().extra);
    for (std::size_t i = 1; i + 1 < run.ops.size(); ++i) {
        const auto& op = run.ops[i];
        CHECK(op.kind == OpKind::repo_record);
        CHECK(op.uri.starts_with("at://" + alice + "/" + *op.extra + "/"));
        CHECK(op.time.empty());  // the repo's time is repo_begin's
        if (i > 1) CHECK(run.ops[i - 1].uri < op.uri);
    }
}

TEST_CASE("a CAR of another repo is refused before any op", "[backfill][repo_classifier]") {
    const auto car = test_backfill::repo_car(alice);
    const auto run = classify(bob, *car);
    REQUIRE_FALSE(run.result);
    CHECK(run.result.error().error == RepoError::wrong_did);
    CHECK(run.ops.empty());
}

TEST_CASE("a truncated CAR is refused before any op", "[backfill][repo_classifier]") {
    const auto car = test_backfill::repo_car(alice);
    const auto run = classify(alice, std::span(*car).first(car->size() / 2));
    REQUIRE_FALSE(run.result);
    CHECK(run.result.error().error == RepoError::bad_car);
    CHECK(run.ops.empty());
}

TEST_CASE("a CAR missing a record block fails its MST walk and emits nothing", "[backfill][repo_classifier]") {
    const auto car = test_backfill::repo_car(alice);
    auto repo = atproto::repo::open_repo(*car);
    REQUIRE(repo);
    atproto::repo::MstWalker walker(repo->blocks, repo->commit.data);
    atproto::repo::Leaf leaf;
    REQUIRE(walker.next(leaf).value_or(false));
    REQUIRE(walker.next(leaf).value_or(false));
    const auto broken = without_block(*car, leaf.cid);
    REQUIRE(broken.size() < car->size());
    const auto run = classify(alice, broken);
    REQUIRE_FALSE(run.result);
    CHECK(run.result.error().error == RepoError::bad_mst);
    CHECK(run.ops.empty());
}

TEST_CASE("the commit signature is checked with the account's signing key", "[backfill][repo_classifier]") {
    const auto car = test_backfill::repo_car(alice);
    const auto alice_key = signing_key_of(alice);
    const auto bob_key = signing_key_of(bob);
    REQUIRE(alice_key);
    REQUIRE(bob_key);
    CHECK(classify(alice, *car, &*alice_key).result);
    const auto run = classify(alice, *car, &*bob_key);
    REQUIRE_FALSE(run.result);
    CHECK(run.result.error().error == RepoError::bad_signature);
    CHECK(run.ops.empty());
}

TEST_CASE("a CAR whose MST holds a key off its layer is refused with the reason", "[backfill][repo_classifier]") {
    // Heights from the interop vectors (mst/key_heights.json): 0 and 8.
    const std::string level0 = "app.bsky.feed.post/2653ae71";
    const std::string level8 = "app.bsky.feed.post/9adeb165882c";
    REQUIRE(atproto::repo::key_height(level0) == 0);
    REQUIRE(atproto::repo::key_height(level8) == 8);
    const auto run = classify(alice, one_node_repo(alice, level0, level8));
    REQUIRE_FALSE(run.result);
    CHECK(run.result.error().error == RepoError::bad_mst);
    CHECK(run.result.error().detail.find("bad_mst_node") != std::string::npos);
    CHECK(run.ops.empty());
    // The same CAR with two keys of one layer is a valid repo.
    std::string other0;
    for (int i = 0; other0.empty() || atproto::repo::key_height(other0) != 0; ++i) {
        other0 = "app.bsky.feed.post/k" + std::to_string(i);
    }
    const auto [a, b] = std::minmax(level0, other0);
    CHECK(classify(alice, one_node_repo(alice, a, b)).result);
}
