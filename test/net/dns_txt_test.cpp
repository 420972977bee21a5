#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "net/dns_txt.hpp"
#include "net/dns_txt_resolver.hpp"
#include "test/support/dns_test_server.hpp"

#include <future>

using test_support::TestDnsServer;

namespace {

// A query message for `name` (header + one question), as a resolver would send it.
std::vector<unsigned char> query_for(const std::string& name) {
    std::vector<unsigned char> query = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
    std::size_t start = 0;
    while (start <= name.size()) {
        const auto dot = std::min(name.find('.', start), name.size());
        query.push_back(static_cast<unsigned char>(dot - start));
        query.insert(query.end(), name.begin() + static_cast<long>(start), name.begin() + static_cast<long>(dot));
        start = dot + 1;
    }
    query.insert(query.end(), {0, 0, 16, 0, 1});
    return query;
}

net::DnsConfig config_for(const TestDnsServer& server) {
    return net::DnsConfig{.timeout = std::chrono::milliseconds(1000), .attempts = 1, .nameserver = server.address()};
}

}  // namespace

TEST_CASE("TXT answers are parsed with each record's strings joined", "[net][dns_txt]") {
    const TestDnsServer::Table table{{"_atproto.alice.test", {{"did=did:plc:abc"}, {"v=spf1 ", "-all"}}}};
    const auto message = TestDnsServer::answer(query_for("_atproto.alice.test"), table);
    const auto records = net::parse_txt_answer(message);
    REQUIRE(records);
    CHECK(*records == std::vector<std::string>{"did=did:plc:abc", "v=spf1 -all"});
}

TEST_CASE("a truncated DNS message is malformed", "[net][dns_txt]") {
    const TestDnsServer::Table table{{"x.test", {{"hello"}}}};
    auto message = TestDnsServer::answer(query_for("x.test"), table);
    message.resize(message.size() - 3);
    const auto records = net::parse_txt_answer(message);
    REQUIRE_FALSE(records);
    CHECK(records.error().kind == net::DnsErrorKind::malformed);
}

TEST_CASE("lookup_txt asks the configured nameserver and returns its TXT records", "[net][dns_txt]") {
    TestDnsServer server({{"_atproto.bob.test", {{"did=did:plc:bob"}}}});
    const auto records = net::lookup_txt("_atproto.bob.test", config_for(server));
    REQUIRE(records);
    CHECK(*records == std::vector<std::string>{"did=did:plc:bob"});
}

TEST_CASE("lookup_txt tells an unknown name from a failing server", "[net][dns_txt]") {
    TestDnsServer server({{"_atproto.broken.test", {{"SERVFAIL"}}}});
    const auto missing = net::lookup_txt("_atproto.nobody.test", config_for(server));
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == net::DnsErrorKind::not_found);
    const auto failing = net::lookup_txt("_atproto.broken.test", config_for(server));
    REQUIRE_FALSE(failing);
    CHECK(failing.error().kind == net::DnsErrorKind::failed);
}

TEST_CASE("the DNS resolver pool answers lookups through callbacks", "[net][dns_txt]") {
    TestDnsServer server({{"_atproto.carol.test", {{"did=did:plc:carol"}}}});
    net::DnsTxtResolver resolver({.dns = config_for(server), .threads = 2, .max_queued = 8});
    std::promise<net::TxtResult> promise;
    resolver.submit("_atproto.carol.test", [&](net::TxtResult result) { promise.set_value(std::move(result)); });
    const auto result = promise.get_future().get();
    REQUIRE(result);
    CHECK(result->at(0) == "did=did:plc:carol");
}

TEST_CASE("a stopped DNS resolver fails new lookups at once", "[net][dns_txt]") {
    net::DnsTxtResolver resolver({.dns = {}, .threads = 1, .max_queued = 8});
    resolver.stop();
    bool failed = false;
    resolver.submit("_atproto.x.test", [&](net::TxtResult result) { failed = !result; });
    CHECK(failed);
}
