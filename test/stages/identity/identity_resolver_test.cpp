#include <algorithm>
#include <chrono>
#include <future>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "common/log.hpp"
#include "stages/identity/identity_resolver.hpp"
#include "test/stages/identity/capture_network.hpp"
#include "test/support/dns_test_server.hpp"
#include "test/storage/temp_dir.hpp"

using namespace std::chrono_literals;
using identity_test::CaptureNetwork;
using identity_test::TestHttpResponse;
using stages::identity::IdentityConfig;
using stages::identity::IdentityErrorKind;
using stages::identity::IdentityResolver;
using stages::identity::IdentityResult;
using stages::identity::RepoPresence;

namespace {

const std::string alice = "did:plc:6hf3ere46otfb636zn7mt2lv";     // user000.test
const std::string renamed = "did:plc:pkmallfny6jaby6ibwt7uelu";   // user004.test → renamed-user.test
const std::string deleted = "did:plc:62rihhnzke34xjow65zpa5au";   // its PDS answers RepoNotFound
const std::string taken_down = "did:plc:6fsvw6taqqovmn2uzlocftqd";
const std::string unknown = "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa";

std::shared_ptr<spdlog::logger> test_log() {
    static const common::Log log(spdlog::level::warn);
    return log.component("identity");
}

IdentityConfig config_for(CaptureNetwork& network, const test_support::TempDir& dir) {
    IdentityConfig config;
    config.plc_url = network.plc_server().base_url();
    config.handle_wellknown_base_url = network.pds_server().base_url();
    config.allow_private_addresses = true;
    config.plc_requests_per_second = 0;
    config.cache_dir = dir.path() / "identity";
    config.cache_map_bytes = std::size_t{16} << 20;
    return config;
}

std::unique_ptr<IdentityResolver> make_resolver(const IdentityConfig& config) {
    auto resolver = IdentityResolver::create(config, test_log());
    REQUIRE(resolver);
    return std::move(*resolver);
}

std::future<IdentityResult> resolve(IdentityResolver& resolver, const std::string& did, bool force = false) {
    auto promise = std::make_shared<std::promise<IdentityResult>>();
    auto future = promise->get_future();
    resolver.resolve(did, force, [promise](IdentityResult result) { promise->set_value(std::move(result)); });
    return future;
}

RepoPresence presence_of(IdentityResolver& resolver, const std::string& did) {
    std::promise<RepoPresence> promise;
    resolver.confirm_repo_gone(did, [&](RepoPresence presence) { promise.set_value(presence); });
    return promise.get_future().get();
}

// A DID document for `did` with alice's key, the given handle claim and PDS.
std::string synthetic_document(CaptureNetwork& network, const std::string& did, const std::string& also_known_as,
                               bool with_pds = true) {
    const std::string alice_document = network.document(alice);
    const auto key_at = alice_document.find("\"publicKeyMultibase\": \"") + 23;
    const std::string key = alice_document.substr(key_at, alice_document.find('"', key_at) - key_at);
    const std::string service =
        with_pds ? fmt::format(R"({{"id":"#atproto_pds","type":"AtprotoPersonalDataServer","serviceEndpoint":"{}"}})",
                               network.pds_server().base_url())
                 : std::string();
    return fmt::format(R"({{"id":"{}","alsoKnownAs":[{}],"verificationMethod":[{{"id":"#atproto",)"
                       R"("type":"EcdsaSecp256k1VerificationKey2019","controller":"{}","publicKeyMultibase":"{}"}}],)"
                       R"("service":[{}]}})",
                       did, also_known_as, did, key, service);
}

}  // namespace

TEST_CASE("every DID of the capture resolves to its handle in handles.json, verified both ways", "[stages][identity]") {
    CaptureNetwork network;
    test_support::TempDir dir;
    auto resolver = make_resolver(config_for(network, dir));
    std::vector<std::pair<std::string, std::future<IdentityResult>>> pending;
    for (const auto& [did, handle] : network.handles()) pending.emplace_back(did, resolve(*resolver, did));
    REQUIRE(pending.size() == 33);
    for (auto& [did, future] : pending) {
        const auto result = future.get();
        INFO(did);
        REQUIRE(result);
        CHECK(result->did == did);
        CHECK(result->handle == network.handles().at(did));
        CHECK(result->pds_endpoint == network.pds_server().base_url());
    }
    const auto renamed_result = resolve(*resolver, renamed).get();
    REQUIRE(renamed_result);
    CHECK(renamed_result->handle == std::optional<std::string>("renamed-user.test"));
    CHECK(resolver->metrics().handle_verified_total == 33);
    CHECK(resolver->metrics().cache_hits_total == 1);
}

TEST_CASE("a handle whose well-known answers another DID is left unverified", "[stages][identity]") {
    CaptureNetwork network;
    const std::string impostor = "did:plc:impostorimpostorimpostor";
    network.plc_overrides[impostor] = TestHttpResponse{.body = synthetic_document(network, impostor, R"("at://user000.test")")};
    network.plc_overrides["did:plc:bodyisnotadidbodyisnotad"] = TestHttpResponse{
        .body = synthetic_document(network, "did:plc:bodyisnotadidbodyisnotad", R"("at://garbage.test")")};
    network.handle_overrides["garbage.test"] = "<html>did:plc:bodyisnotadidbodyisnotad</html>";
    test_support::TempDir dir;
    auto resolver = make_resolver(config_for(network, dir));
    for (const std::string& did : {impostor, std::string("did:plc:bodyisnotadidbodyisnotad")}) {
        const auto result = resolve(*resolver, did).get();
        INFO(did);
        REQUIRE(result);
        CHECK_FALSE(result->handle.has_value());
        CHECK(result->pds_endpoint == network.pds_server().base_url());
    }
    CHECK(resolver->metrics().handle_unverified_total == 2);
}

TEST_CASE("a DID the directory does not know is not found and not cached", "[stages][identity]") {
    CaptureNetwork network;
    test_support::TempDir dir;
    auto resolver = make_resolver(config_for(network, dir));
    const auto result = resolve(*resolver, unknown).get();
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == IdentityErrorKind::not_found);
    CHECK(resolver->cache().size() == 0);
    CHECK(resolver->metrics().not_found_total == 1);
}

TEST_CASE("a document without a PDS or without a handle claim is an invalid document", "[stages][identity]") {
    CaptureNetwork network;
    const std::string no_pds = "did:plc:nopdsnopdsnopdsnopdsnopd";
    const std::string no_handle = "did:plc:nohandlenohandlenohandle";
    network.plc_overrides[no_pds] = TestHttpResponse{.body = synthetic_document(network, no_pds, R"("at://x.test")", false)};
    network.plc_overrides[no_handle] = TestHttpResponse{.body = synthetic_document(network, no_handle, R"("https://x.test")")};
    network.plc_overrides[unknown] = TestHttpResponse{.body = network.document(alice)};   // id mismatch
    test_support::TempDir dir;
    auto resolver = make_resolver(config_for(network, dir));
    for (const std::string& did : {no_pds, no_handle, unknown}) {
        const auto result = resolve(*resolver, did).get();
        INFO(did);
        REQUIRE_FALSE(result);
        CHECK(result.error().kind == IdentityErrorKind::invalid_document);
    }
}

TEST_CASE("a handle claim that is not a valid handle gives an identity without a handle", "[stages][identity]") {
    CaptureNetwork network;
    const std::string did = "did:plc:badhandlebadhandlebadhan";
    network.plc_overrides[did] = TestHttpResponse{.body = synthetic_document(network, did, R"("at://not a handle")")};
    test_support::TempDir dir;
    auto resolver = make_resolver(config_for(network, dir));
    const auto result = resolve(*resolver, did).get();
    REQUIRE(result);
    CHECK_FALSE(result->handle.has_value());
}

TEST_CASE("a did:web identity resolves from its host's did.json", "[stages][identity]") {
    CaptureNetwork network;
    const std::string did = fmt::format("did:web:localhost%3A{}", network.pds_server().port());
    network.did_web_documents["localhost"] = synthetic_document(network, did, R"("at://web-user.test")");
    network.handle_overrides["web-user.test"] = did;
    test_support::TempDir dir;
    auto resolver = make_resolver(config_for(network, dir));
    const auto result = resolve(*resolver, did).get();
    REQUIRE(result);
    CHECK(result->handle == std::optional<std::string>("web-user.test"));
    CHECK(resolver->metrics().did_web_requests_total == 1);
    CHECK(network.plc_server().request_count() == 0);
}

TEST_CASE("without allow_private_addresses a loopback PLC directory is refused", "[stages][identity]") {
    CaptureNetwork network;
    test_support::TempDir dir;
    auto config = config_for(network, dir);
    config.allow_private_addresses = false;
    auto resolver = make_resolver(config);
    const auto result = resolve(*resolver, alice).get();
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == IdentityErrorKind::invalid_document);
    CHECK_THAT(result.error().message, Catch::Contains("refused"));
    CHECK(network.plc_server().request_count() == 0);
}

TEST_CASE("a cached identity answers without a request until invalidated or forced", "[stages][identity]") {
    CaptureNetwork network;
    test_support::TempDir dir;
    auto resolver = make_resolver(config_for(network, dir));
    REQUIRE(resolve(*resolver, alice).get());
    REQUIRE(resolve(*resolver, alice).get());
    CHECK(network.plc_server().request_count() == 1);
    CHECK(resolver->metrics().cache_hits_total == 1);
    REQUIRE(resolve(*resolver, alice, true).get());
    CHECK(network.plc_server().request_count() == 2);
    CHECK(resolver->invalidate(alice));
    CHECK_FALSE(resolver->invalidate(alice));
    const auto again = resolve(*resolver, alice).get();
    REQUIRE(again);
    CHECK(again->handle == std::optional<std::string>("user000.test"));
    CHECK(network.plc_server().request_count() == 3);
}

TEST_CASE("the identity cache survives a restart of the resolver", "[stages][identity]") {
    CaptureNetwork network;
    test_support::TempDir dir;
    const auto config = config_for(network, dir);
    REQUIRE(resolve(*make_resolver(config), alice).get());
    auto restarted = make_resolver(config);
    const auto cached = resolve(*restarted, alice).get();
    REQUIRE(cached);
    CHECK(cached->handle == std::optional<std::string>("user000.test"));
    CHECK(network.plc_server().request_count() == 1);
}

TEST_CASE("concurrent requests for one DID share one resolution", "[stages][identity]") {
    CaptureNetwork network;
    network.plc_overrides[alice] = TestHttpResponse{.body = network.document(alice), .delay = 200ms};
    test_support::TempDir dir;
    auto resolver = make_resolver(config_for(network, dir));
    auto first = resolve(*resolver, alice);
    auto second = resolve(*resolver, alice);
    REQUIRE(first.get());
    REQUIRE(second.get());
    CHECK(network.plc_server().request_count() == 1);
    CHECK(resolver->metrics().coalesced_total == 1);
}

TEST_CASE("requests beyond max_in_flight and max_waiting are refused as overloaded", "[stages][identity]") {
    CaptureNetwork network;
    test_support::TempDir dir;
    auto config = config_for(network, dir);
    config.max_in_flight = 1;
    config.max_waiting = 1;
    std::vector<std::string> dids;
    for (const auto& [did, handle] : network.handles()) dids.push_back(did);
    network.plc_overrides[dids[0]] = TestHttpResponse{.body = network.document(dids[0]), .delay = 300ms};
    auto resolver = make_resolver(config);
    auto running = resolve(*resolver, dids[0]);
    auto waiting = resolve(*resolver, dids[1]);
    const auto refused = resolve(*resolver, dids[2]).get();
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == IdentityErrorKind::overloaded);
    CHECK(running.get());
    CHECK(waiting.get());
    CHECK(network.plc_server().peak_concurrency() == 1);
}

TEST_CASE("request and poll hand back outcomes with the caller's event time", "[stages][identity]") {
    CaptureNetwork network;
    test_support::TempDir dir;
    auto resolver = make_resolver(config_for(network, dir));
    resolver->request({.did = alice, .event_time = "2026-11-27T07:52:32.244Z", .force = true});
    resolver->request({.did = unknown, .event_time = "2026-11-27T08:00:00.000Z", .force = false});
    std::vector<stages::identity::IdentityOutcome> outcomes;
    REQUIRE(test_support::eventually([&] {
        for (auto& outcome : resolver->poll()) outcomes.push_back(std::move(outcome));
        return outcomes.size() == 2;
    }));
    std::sort(outcomes.begin(), outcomes.end(), [](const auto& a, const auto& b) { return a.request.did < b.request.did; });
    CHECK(outcomes[0].request.did == alice);
    CHECK(outcomes[0].request.event_time == "2026-11-27T07:52:32.244Z");
    REQUIRE(outcomes[0].result);
    CHECK(outcomes[0].result->handle == std::optional<std::string>("user000.test"));
    CHECK(outcomes[1].request.event_time == "2026-11-27T08:00:00.000Z");
    CHECK_FALSE(outcomes[1].result);
    CHECK(resolver->poll().empty());
}

TEST_CASE("requests to the PLC directory respect its rate limit", "[stages][identity]") {
    CaptureNetwork network;
    test_support::TempDir dir;
    auto config = config_for(network, dir);
    config.plc_requests_per_second = 10;
    config.plc_burst = 2;
    auto resolver = make_resolver(config);
    std::vector<std::future<IdentityResult>> pending;
    for (const auto& [did, handle] : network.handles()) {
        if (pending.size() == 8) break;
        pending.push_back(resolve(*resolver, did, true));
    }
    for (auto& future : pending) REQUIRE(future.get());
    const auto requests = network.plc_server().requests();
    REQUIRE(requests.size() == 8);
    // In any window, arrivals <= burst + rate * window, plus one for scheduling jitter on the way.
    for (std::size_t i = 0; i < requests.size(); ++i) {
        for (std::size_t j = i + 1; j < requests.size(); ++j) {
            const double window = std::chrono::duration<double>(requests[j].received - requests[i].received).count();
            INFO(i << ".." << j << " within " << window << " s");
            CHECK(static_cast<double>(j - i + 1) <= 2.0 + 10.0 * window + 1.0);
        }
    }
    CHECK(resolver->metrics().plc_requests_total == 8);
}

TEST_CASE("a 429 from the PLC directory is transient and carries its Retry-After", "[stages][identity]") {
    CaptureNetwork network;
    network.plc_overrides[alice] = TestHttpResponse{.status = 429, .body = "{}", .headers = {{"Retry-After", "1"}}};
    test_support::TempDir dir;
    auto resolver = make_resolver(config_for(network, dir));
    const auto result = resolve(*resolver, alice).get();
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == IdentityErrorKind::transient);
    CHECK(result.error().retry_after == std::optional<std::chrono::seconds>(1s));
    CHECK(resolver->metrics().plc_rate_limited_total == 1);
    // The directory asked for a pause: the next request waits for it.
    network.plc_overrides.erase(alice);
    const auto before = std::chrono::steady_clock::now();
    REQUIRE(resolve(*resolver, alice).get());
    CHECK(network.plc_server().requests().back().received >= before + 500ms);
}

TEST_CASE("the deleted repo is confirmed gone; active and taken-down repos are present", "[stages][identity]") {
    CaptureNetwork network;
    network.plc_overrides["did:plc:pdsdownpdsdownpdsdownpds"] = TestHttpResponse{.status = 503, .body = "{}"};
    test_support::TempDir dir;
    auto resolver = make_resolver(config_for(network, dir));
    CHECK(presence_of(*resolver, deleted) == RepoPresence::gone);
    CHECK(presence_of(*resolver, alice) == RepoPresence::present);
    CHECK(presence_of(*resolver, taken_down) == RepoPresence::present);
    CHECK(presence_of(*resolver, unknown) == RepoPresence::gone);
    CHECK(presence_of(*resolver, "did:plc:pdsdownpdsdownpdsdownpds") == RepoPresence::retry_later);
    CHECK(resolver->metrics().repo_gone_total == 2);
}

TEST_CASE("handles resolve through the DNS TXT record when no well-known base is set", "[stages][identity]") {
    CaptureNetwork network;
    test_support::TestDnsServer dns({{"_atproto.user000.test", {{"did=" + alice}}}});
    test_support::TempDir dir;
    auto config = config_for(network, dir);
    config.handle_wellknown_base_url.reset();
    config.dns_nameserver = dns.address();
    auto resolver = make_resolver(config);
    const auto result = resolve(*resolver, alice).get();
    REQUIRE(result);
    CHECK(result->handle == std::optional<std::string>("user000.test"));
    CHECK(resolver->metrics().dns_lookups_total == 1);
    CHECK(resolver->metrics().wellknown_requests_total == 0);
}
