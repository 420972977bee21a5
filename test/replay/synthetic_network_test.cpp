// The synthetic network of the backfill benchmark: every repo is a complete CAR whose signed
// commit verifies with the key its DID document publishes, the records follow the requested
// mix, and their subjects point at the network's own repos and posts.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>

#include <simdjson.h>

#include "atproto/crypto/did_document.hpp"
#include "replay/synthetic_network.hpp"
#include "stages/backfill/repo_classifier.hpp"
#include "test/storage/temp_dir.hpp"

namespace {

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

std::vector<std::string> listed_dids(const std::filesystem::path& dir) {
    simdjson::dom::parser parser;
    std::vector<std::string> dids;
    for (auto page : parser.load((dir / "listRepos.json").string()).get_array()) {
        for (auto repo : page["repos"].get_array()) dids.emplace_back(std::string_view(repo["did"]));
    }
    return dids;
}

}  // namespace

TEST_CASE("every synthetic repo classifies completely with the signing key of its DID document",
          "[replay][synthetic_network]") {
    test_support::TempDir dir;
    replay::SyntheticNetworkSpec spec;
    spec.repos = 25;
    spec.records = 2'000;
    spec.seed = 7;
    spec.page_size = 10;
    const auto network = replay::write_synthetic_network(spec, dir.path());
    REQUIRE(network);
    CHECK(network->records == 2'000);
    const auto dids = listed_dids(dir.path());
    REQUIRE(dids.size() == 25);
    const std::set<std::string> known(dids.begin(), dids.end());
    CHECK(known.size() == 25);

    auto validator = atproto::lexicon::Validator::create_embedded();
    REQUIRE(validator);
    const stages::backfill::RepoClassifyConfig config;
    stages::backfill::RepoClassifier classifier(*validator, config);
    std::size_t records = 0, staged = 0, foreign_subjects = 0;
    simdjson::dom::parser parser;
    for (const auto& did : dids) {
        const auto document = atproto::crypto::parse_did_document(read_file(dir.path() / "plc" / (did + ".json")));
        REQUIRE(document);
        REQUIRE(document->signing_key);
        const auto car = read_file(dir.path() / "repos" / (did + ".car"));
        const auto summary = classifier.classify(
            {did, std::as_bytes(std::span(car.data(), car.size())), "2026-01-01T00:00:00.000Z", &*document->signing_key},
            [&](stages::classify::StagedOp&& op) {
                if (op.extra != "app.bsky.feed.like" && op.extra != "app.bsky.graph.follow") return;
                auto record = parser.parse(op.json);
                const std::string_view subject = op.extra == "app.bsky.graph.follow"
                                                     ? std::string_view(record["subject"])
                                                     : std::string_view(record["subject"]["uri"]).substr(5, 32);
                if (!known.contains(std::string(subject))) ++foreign_subjects;
            });
        REQUIRE(summary);
        records += summary->records;
        staged += summary->staged;
    }
    CHECK(records == 2'000);
    CHECK(staged == 2'000);  // every generated record is valid
    CHECK(foreign_subjects == 0);
}

TEST_CASE("the synthetic records follow the requested mix", "[replay][synthetic_network]") {
    test_support::TempDir dir;
    replay::SyntheticNetworkSpec spec;
    spec.repos = 50;
    spec.records = 10'000;
    spec.seed = 3;
    const auto network = replay::write_synthetic_network(spec, dir.path());
    REQUIRE(network);
    auto share = [&](const std::string& collection) {
        return static_cast<double>(network->collections.at(collection)) / static_cast<double>(network->records);
    };
    CHECK(network->collections.at("app.bsky.actor.profile") == 50);
    CHECK(share("app.bsky.feed.like") == Approx(0.55 * 0.995).margin(0.02));
    CHECK(share("app.bsky.feed.post") == Approx(0.15 * 0.995).margin(0.02));
    CHECK(share("app.bsky.feed.repost") == Approx(0.15 * 0.995).margin(0.02));
    CHECK(share("app.bsky.graph.follow") == Approx(0.10 * 0.995).margin(0.02));
    CHECK(share("app.bsky.graph.block") == Approx(0.05 * 0.995).margin(0.02));
    CHECK(network->largest_repo > 10'000 / 50);  // a few large repos, many small ones
}

TEST_CASE("a network needs a profile per repo", "[replay][synthetic_network]") {
    test_support::TempDir dir;
    replay::SyntheticNetworkSpec spec;
    spec.repos = 10;
    spec.records = 9;
    CHECK_FALSE(replay::write_synthetic_network(spec, dir.path()));
}
