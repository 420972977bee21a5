#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "stages/identity/did_resolver.hpp"
#include "stages/identity/handle_resolver.hpp"
#include "stages/identity/identity_cache.hpp"
#include "stages/identity/repo_presence_checker.hpp"
#include "test/storage/temp_dir.hpp"

using namespace std::chrono_literals;
using stages::identity::DidResolver;
using stages::identity::HandleResolver;
using stages::identity::Identity;
using stages::identity::IdentityCache;
using stages::identity::IdentityConfig;
using stages::identity::IdentityErrorKind;
using stages::identity::RepoPresence;
using stages::identity::RepoPresenceChecker;
using SystemClock = std::chrono::system_clock;

namespace {

// A valid secp256k1 did:key (the compressed generator point).
const std::string key_text = "did:key:zQ3shVc2UkAfJCdc1TR8E66J85h48P43r93q8jGPkPpjF9Ef9";

Identity identity(const std::string& did, std::optional<std::string> handle, SystemClock::time_point at) {
    auto key = atproto::crypto::PublicKey::from_did_key(key_text);
    REQUIRE(key);
    return Identity{.did = did, .handle = std::move(handle), .pds_endpoint = "https://pds.example",
                    .signing_key = *key, .resolved_at = at};
}

IdentityConfig cache_config(const test_support::TempDir& dir, std::size_t max_entries = 100) {
    IdentityConfig config;
    config.cache_dir = dir.path();
    config.cache_map_bytes = std::size_t{8} << 20;
    config.cache_max_entries = max_entries;
    return config;
}

net::HttpResult answer(long status, std::string body) {
    net::HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    return response;
}

}  // namespace

TEST_CASE("DID document URLs: PLC under the directory, did:web at its host's well-known path", "[stages][identity]") {
    CHECK(DidResolver::document_url("did:plc:abc234", "https://plc.directory/").value() ==
          "https://plc.directory/did:plc:abc234");
    CHECK(DidResolver::document_url("did:web:example.com", "x").value() == "https://example.com/.well-known/did.json");
    CHECK(DidResolver::document_url("did:web:localhost%3A8080", "x").value() ==
          "http://localhost:8080/.well-known/did.json");
}

TEST_CASE("DIDs without a usable document URL are invalid", "[stages][identity]") {
    for (const char* did : {"did:web:example.com:users:alice", "did:web:example.com%3A8443", "did:key:zabc",
                            "did:plc:", "did:plc:abc/def", "did:web:exa mple.com", "did:web:"}) {
        INFO(did);
        const auto url = DidResolver::document_url(did, "https://plc.directory");
        REQUIRE_FALSE(url);
        CHECK(url.error().kind == IdentityErrorKind::invalid_document);
    }
}

TEST_CASE("a handle's TXT records give a DID only when exactly one is did=", "[stages][identity]") {
    CHECK(HandleResolver::did_from_txt({"v=spf1", "did=did:plc:one"}) == std::optional<std::string>("did:plc:one"));
    CHECK_FALSE(HandleResolver::did_from_txt({"did=did:plc:one", "did=did:plc:two"}));
    CHECK_FALSE(HandleResolver::did_from_txt({"v=spf1"}));
    CHECK_FALSE(HandleResolver::did_from_txt({}));
}

TEST_CASE("a well-known body gives its first trimmed line when it starts with did:", "[stages][identity]") {
    CHECK(HandleResolver::did_from_wellknown("  did:plc:abc \r\nsecond") == std::optional<std::string>("did:plc:abc"));
    CHECK(HandleResolver::did_from_wellknown("did:web:example.com") == std::optional<std::string>("did:web:example.com"));
    CHECK_FALSE(HandleResolver::did_from_wellknown("<html>did:plc:abc</html>"));
    CHECK_FALSE(HandleResolver::did_from_wellknown("\ndid:plc:abc"));
    CHECK_FALSE(HandleResolver::did_from_wellknown(""));
}

TEST_CASE("getLatestCommit answers decide whether a repo is gone", "[stages][identity]") {
    CHECK(RepoPresenceChecker::interpret_latest_commit(answer(200, R"({"cid":"x","rev":"y"})")) == RepoPresence::present);
    CHECK(RepoPresenceChecker::interpret_latest_commit(answer(400, R"({"error":"RepoNotFound"})")) == RepoPresence::gone);
    CHECK(RepoPresenceChecker::interpret_latest_commit(answer(404, R"({"error":"RepoNotFound"})")) == RepoPresence::gone);
    CHECK(RepoPresenceChecker::interpret_latest_commit(answer(400, R"({"error":"RepoTakendown"})")) == RepoPresence::present);
    CHECK(RepoPresenceChecker::interpret_latest_commit(answer(400, "not json")) == RepoPresence::present);
    CHECK(RepoPresenceChecker::interpret_latest_commit(answer(500, "{}")) == RepoPresence::retry_later);
    CHECK(RepoPresenceChecker::interpret_latest_commit(answer(429, "{}")) == RepoPresence::retry_later);
    const net::HttpResult timeout = tl::unexpected(net::HttpError{net::HttpErrorKind::timeout, "slow"});
    CHECK(RepoPresenceChecker::interpret_latest_commit(timeout) == RepoPresence::retry_later);
    const net::HttpResult refused = tl::unexpected(net::HttpError{net::HttpErrorKind::refused_address, "private"});
    CHECK(RepoPresenceChecker::interpret_latest_commit(refused) == RepoPresence::present);
}

TEST_CASE("the identity cache round-trips an identity", "[stages][identity]") {
    test_support::TempDir dir;
    auto cache = IdentityCache::open(cache_config(dir));
    REQUIRE(cache);
    const auto now = SystemClock::now();
    (*cache)->put(identity("did:plc:a", "alice.test", now - 1min));
    const auto got = (*cache)->get("did:plc:a", now);
    REQUIRE(got);
    CHECK(got->handle == std::optional<std::string>("alice.test"));
    CHECK(got->pds_endpoint == "https://pds.example");
    CHECK(got->signing_key.did_key() == key_text);
    CHECK(std::chrono::abs(got->resolved_at - (now - 1min)) < 1ms);
    CHECK_FALSE((*cache)->get("did:plc:b", now));
}

TEST_CASE("cached identities expire: unverified after an hour, verified after a day", "[stages][identity]") {
    test_support::TempDir dir;
    auto cache = IdentityCache::open(cache_config(dir));
    REQUIRE(cache);
    const auto now = SystemClock::now();
    (*cache)->put(identity("did:plc:verified", "v.test", now - 2h));
    (*cache)->put(identity("did:plc:unverified", std::nullopt, now - 2h));
    (*cache)->put(identity("did:plc:fresh", std::nullopt, now - 30min));
    (*cache)->put(identity("did:plc:old", "o.test", now - 25h));
    CHECK((*cache)->get("did:plc:verified", now));
    CHECK_FALSE((*cache)->get("did:plc:unverified", now));
    CHECK((*cache)->get("did:plc:fresh", now));
    CHECK_FALSE((*cache)->get("did:plc:old", now));
}

TEST_CASE("the identity cache evicts the oldest resolutions beyond its bound", "[stages][identity]") {
    test_support::TempDir dir;
    auto cache = IdentityCache::open(cache_config(dir, 3));
    REQUIRE(cache);
    const auto now = SystemClock::now();
    std::size_t evicted = 0;
    for (int i = 0; i < 5; ++i) {
        evicted += (*cache)->put(identity("did:plc:" + std::to_string(i), "h.test", now - std::chrono::minutes(10 - i)));
    }
    // Re-resolving an entry makes it the newest, so it outlives older ones.
    evicted += (*cache)->put(identity("did:plc:2", "h.test", now));
    evicted += (*cache)->put(identity("did:plc:5", "h.test", now));
    CHECK(evicted == 3);
    CHECK((*cache)->size() == 3);
    CHECK((*cache)->get("did:plc:2", now));
    CHECK((*cache)->get("did:plc:4", now));
    CHECK((*cache)->get("did:plc:5", now));
    CHECK_FALSE((*cache)->get("did:plc:3", now));
}

TEST_CASE("invalidating a cached identity removes it", "[stages][identity]") {
    test_support::TempDir dir;
    auto cache = IdentityCache::open(cache_config(dir));
    REQUIRE(cache);
    const auto now = SystemClock::now();
    (*cache)->put(identity("did:plc:a", "a.test", now));
    CHECK((*cache)->invalidate("did:plc:a"));
    CHECK_FALSE((*cache)->invalidate("did:plc:a"));
    CHECK_FALSE((*cache)->get("did:plc:a", now));
    CHECK((*cache)->size() == 0);
}

TEST_CASE("readers of the identity cache run while a writer updates it", "[stages][identity]") {
    test_support::TempDir dir;
    auto opened = IdentityCache::open(cache_config(dir, 1000));
    REQUIRE(opened);
    IdentityCache& cache = **opened;
    const auto now = SystemClock::now();
    cache.put(identity("did:plc:stable", "s.test", now));
    std::atomic<int> misses{0};
    std::vector<std::thread> readers;
    for (int r = 0; r < 3; ++r) {
        readers.emplace_back([&] {
            for (int i = 0; i < 500; ++i) {
                if (!cache.get("did:plc:stable", now)) ++misses;
            }
        });
    }
    for (int i = 0; i < 300; ++i) cache.put(identity("did:plc:w" + std::to_string(i), "w.test", now));
    for (auto& reader : readers) reader.join();
    CHECK(misses == 0);
    CHECK(cache.size() == 301);
}

TEST_CASE("an identity cache without a directory is a configuration error", "[stages][identity]") {
    IdentityConfig config;
    const auto cache = IdentityCache::open(config);
    REQUIRE_FALSE(cache);
    CHECK_THAT(cache.error().message, Catch::Contains("no cache directory"));
}
