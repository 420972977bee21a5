// The classifier checks commits of repos whose key is known: real relay commits verify against
// their DID documents' keys, and the same commits checked with another repo's key are not
// applied and their repo is queued for re-fetch.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>

#include <simdjson.h>

#include "atproto/crypto/did_document.hpp"
#include "common/log.hpp"
#include "stages/classify/event_classifier.hpp"

namespace {

std::string shared(const std::string& relative) {
    const char* root = std::getenv("WINTERMUTE_SHARED");
    return std::string(root ? root : "../shared") + "/" + relative;
}

std::vector<std::vector<std::byte>> frames_of(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::string file((std::istreambuf_iterator<char>(in)), {});
    std::vector<std::vector<std::byte>> frames;
    for (std::size_t pos = 0; pos + 4 <= file.size();) {
        std::uint32_t len = 0;
        std::memcpy(&len, file.data() + pos, 4);
        std::vector<std::byte> frame(len);
        std::memcpy(frame.data(), file.data() + pos + 4, len);
        frames.push_back(std::move(frame));
        pos += 4 + len;
    }
    return frames;
}

// did → signing key, from the DID documents captured with the frames.
std::map<std::string, atproto::crypto::PublicKey> keys() {
    simdjson::dom::parser parser;
    simdjson::dom::object docs = parser.load(shared("fixtures/jetstream-corpus/did_docs.json"));
    atproto::crypto::DidDocumentParser documents;
    std::map<std::string, atproto::crypto::PublicKey> out;
    for (auto [did, doc] : docs) {
        auto parsed = documents.parse(simdjson::minify(doc));
        if (parsed && parsed->signing_key) out.emplace(std::string(did), *parsed->signing_key);
    }
    return out;
}

struct Counts {
    std::uint64_t verified = 0, failed = 0, resyncs = 0, ops = 0;
};

Counts classify_all(bool right_keys) {
    const auto all = keys();
    REQUIRE(all.size() > 2);
    const auto& some_other_key = all.begin()->second;
    const auto& another_key = std::next(all.begin())->second;
    stages::classify::ClassifyConfig config;
    config.signing_key = [&](std::string_view did) -> std::optional<atproto::crypto::PublicKey> {
        const auto it = all.find(std::string(did));
        if (it == all.end()) return std::nullopt;
        if (right_keys) return it->second;
        // Any key but the repo's own.
        return it->first == all.begin()->first ? another_key : some_other_key;
    };
    auto validator = atproto::lexicon::Validator::create_embedded();
    REQUIRE(validator);
    stages::classify::ClassifyMetrics metrics;
    common::Log log(spdlog::level::off);
    stages::classify::EventClassifier classifier(*validator, config, metrics, log.component("classify"));
    Counts counts;
    for (const auto& bytes : frames_of(shared("fixtures/jetstream-corpus/frames.bin"))) {
        auto frame = atproto::frame::decode_frame(bytes);
        REQUIRE(frame);
        stages::classify::ClassifiedEvent event;
        classifier.classify(*frame, event);
        counts.resyncs += event.resyncs.size();
        counts.ops += event.ops.size();
    }
    counts.verified = metrics.commits_verified;
    counts.failed = metrics.commits_failed_verification;
    return counts;
}

}  // namespace

TEST_CASE("real relay commits verify against their repos' keys and are applied", "[classify][verification]") {
    const auto counts = classify_all(true);
    CHECK(counts.verified == 148);
    CHECK(counts.failed == 0);
    CHECK(counts.resyncs == 0);
    CHECK(counts.ops > 148);
}

TEST_CASE("commits checked with another repo's key are not applied and their repo is re-fetched",
          "[classify][verification]") {
    const auto counts = classify_all(false);
    CHECK(counts.verified == 0);
    CHECK(counts.failed == 148);
    CHECK(counts.resyncs == 148);
    // Only the non-commit frames (#identity, #account) yield anything.
    CHECK(counts.ops <= 2);
}
