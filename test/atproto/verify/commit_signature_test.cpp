#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "atproto/car/block_index.hpp"
#include "atproto/crypto/did_document.hpp"
#include "atproto/frame/frame.hpp"
#include "atproto/repo/commit.hpp"
#include "atproto/verify/commit_signature.hpp"
#include "test/atproto/fixtures.hpp"

using atproto::crypto::PublicKey;
using atproto::crypto::Verdict;
using atproto::verify::CommitVerifier;
using namespace test_atproto;

namespace {

struct SignedCommit {
    std::string did;
    std::vector<std::byte> block;
};

// The commit block of every #commit frame in the capture, copied out of its CAR slice.
std::vector<SignedCommit> commits_of(const std::string& capture) {
    std::vector<SignedCommit> out;
    for (const auto& bytes : split_frames(read_bytes(capture))) {
        auto decoded = atproto::frame::decode_frame(bytes);
        REQUIRE(decoded);
        const auto* commit = std::get_if<atproto::frame::Commit>(&decoded->body);
        if (commit == nullptr) continue;
        auto reader = atproto::car::CarReader::open(commit->blocks);
        REQUIRE(reader);
        auto blocks = atproto::car::BlockIndex::build(*reader);
        REQUIRE(blocks);
        const auto block = blocks->find(commit->commit);
        REQUIRE(block);
        out.push_back(SignedCommit{std::string(commit->repo), {block->begin(), block->end()}});
    }
    return out;
}

std::map<std::string, PublicKey> signing_keys() {
    simdjson::dom::parser parser;
    const auto text = read_text(shared_path("fixtures/jetstream-corpus/did_docs.json"));
    simdjson::dom::object docs = parser.parse(text).get_object();
    atproto::crypto::DidDocumentParser did_parser;
    std::map<std::string, PublicKey> keys;
    for (auto [did, doc] : docs) {
        auto parsed = did_parser.parse(simdjson::minify(doc));
        REQUIRE(parsed);
        REQUIRE(parsed->signing_key);
        keys.emplace(std::string(did), *parsed->signing_key);
    }
    return keys;
}

std::size_t offset_in(std::span<const std::byte> block, const void* inner) {
    return static_cast<std::size_t>(static_cast<const std::byte*>(inner) - block.data());
}

}  // namespace

TEST_CASE("every commit of the relay capture verifies against its DID document's key", "[atproto][verify]") {
    const auto commits = commits_of(shared_path("fixtures/jetstream-corpus/frames.bin"));
    const auto keys = signing_keys();
    CommitVerifier verifier;
    for (const auto& commit : commits) {
        INFO(commit.did);
        const auto key = keys.find(commit.did);
        REQUIRE(key != keys.end());
        CHECK(verifier.verify(commit.block, key->second) == Verdict::valid);
    }
    CHECK(commits.size() == 148);
}

TEST_CASE("a flipped byte, a foreign key or a broken block fails commit verification", "[atproto][verify]") {
    const auto commits = commits_of(shared_path("fixtures/jetstream-corpus/frames.bin"));
    const auto keys = signing_keys();
    CommitVerifier verifier;
    const auto& commit = commits.front();
    const PublicKey& key = keys.at(commit.did);
    auto decoded = atproto::repo::decode_commit(commit.block);
    REQUIRE(decoded);

    auto bad_sig = commit.block;
    bad_sig[offset_in(commit.block, decoded->sig.data()) + 7] ^= std::byte{0x01};
    CHECK(verifier.verify(bad_sig, key) != Verdict::valid);

    auto bad_rev = commit.block;  // still a valid TID character, so the block decodes
    auto& c = bad_rev[offset_in(commit.block, decoded->rev.data()) + decoded->rev.size() - 1];
    c = c == std::byte{'2'} ? std::byte{'3'} : std::byte{'2'};
    CHECK(verifier.verify(bad_rev, key) == Verdict::mismatch);

    const auto other = std::find_if(commits.begin(), commits.end(), [&](const auto& x) { return x.did != commit.did; });
    REQUIRE(other != commits.end());
    CHECK(verifier.verify(commit.block, keys.at(other->did)) == Verdict::mismatch);

    auto truncated = commit.block;
    truncated.pop_back();
    const auto broken = verifier.verify(truncated, key);
    REQUIRE_FALSE(broken);
    CHECK(broken.error().code == atproto::Errc::truncated);
}
