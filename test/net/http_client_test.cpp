#include <chrono>
#include <future>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "common/log.hpp"
#include "net/http_client.hpp"
#include "test/support/http_test_server.hpp"

using namespace std::chrono_literals;
using test_support::TestHttpRequest;
using test_support::TestHttpResponse;
using test_support::TestHttpServer;

namespace {

std::shared_ptr<spdlog::logger> test_log() {
    static const common::Log log(spdlog::level::warn);
    return log.component("net");
}

net::HttpClientConfig allow_private() { return net::HttpClientConfig{.allow_private_addresses = true}; }

net::HttpResult get(net::HttpClient& client, net::HttpRequest request) { return client.fetch(std::move(request)).get(); }

}  // namespace

TEST_CASE("the HTTP client returns the status, body and content type of a GET", "[net][http_client]") {
    TestHttpServer server([](const TestHttpRequest& request) {
        return TestHttpResponse{.status = 200, .body = "path=" + request.path + " q=" + request.query,
                                .content_type = "text/plain"};
    });
    net::HttpClient client(allow_private(), test_log());
    const auto result = get(client, {.url = server.base_url() + "/a/b?x=1"});
    REQUIRE(result);
    CHECK(result->status == 200);
    CHECK(result->body == "path=/a/b q=x=1");
    CHECK(result->content_type == "text/plain");
    CHECK(result->remote_ip == "127.0.0.1");
}

TEST_CASE("the HTTP client refuses loopback addresses unless private addresses are allowed", "[net][http_client]") {
    TestHttpServer server([](const TestHttpRequest&) { return TestHttpResponse{.body = "secret"}; });
    net::HttpClient strict({}, test_log());
    for (const std::string host : {"127.0.0.1", "localhost"}) {
        const auto refused = get(strict, {.url = "http://" + host + ":" + std::to_string(server.port()) + "/"});
        REQUIRE_FALSE(refused);
        CHECK(refused.error().kind == net::HttpErrorKind::refused_address);
    }
    CHECK(server.request_count() == 0);
    CHECK(strict.metrics().refused_total == 2);
    net::HttpClient lenient(allow_private(), test_log());
    const auto allowed = get(lenient, {.url = server.base_url() + "/"});
    REQUIRE(allowed);
    CHECK(allowed->body == "secret");
}

TEST_CASE("the HTTP client aborts a body over the size limit", "[net][http_client]") {
    const bool with_length = GENERATE(true, false);
    TestHttpServer server([&](const TestHttpRequest&) {
        return TestHttpResponse{.body = std::string(100'000, 'x'), .without_length = !with_length};
    });
    net::HttpClient client(allow_private(), test_log());
    const auto result = get(client, {.url = server.base_url() + "/big", .max_body_bytes = 10'000});
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == net::HttpErrorKind::body_too_large);
    const auto fits = get(client, {.url = server.base_url() + "/big", .max_body_bytes = 100'000});
    REQUIRE(fits);
    CHECK(fits->body.size() == 100'000);
}

TEST_CASE("the HTTP client times out a response slower than the request's timeout", "[net][http_client]") {
    TestHttpServer server([](const TestHttpRequest&) { return TestHttpResponse{.body = "late", .delay = 3s}; });
    net::HttpClient client(allow_private(), test_log());
    const auto result = get(client, {.url = server.base_url() + "/slow", .timeout = 200ms});
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == net::HttpErrorKind::timeout);
    CHECK(client.metrics().timeouts_total == 1);
}

TEST_CASE("the HTTP client surfaces 429 with its Retry-After", "[net][http_client]") {
    TestHttpServer server([](const TestHttpRequest&) {
        return TestHttpResponse{.status = 429, .body = "{}", .headers = {{"Retry-After", "7"}}};
    });
    net::HttpClient client(allow_private(), test_log());
    const auto result = get(client, {.url = server.base_url() + "/"});
    REQUIRE(result);
    CHECK(result->status == 429);
    REQUIRE(result->retry_after);
    CHECK(*result->retry_after == 7s);
    CHECK(client.metrics().rate_limited_total == 1);
}

TEST_CASE("the HTTP client sends the Host override to the URL's address", "[net][http_client]") {
    TestHttpServer server([](const TestHttpRequest& request) { return TestHttpResponse{.body = request.header("host")}; });
    net::HttpClient client(allow_private(), test_log());
    const auto result = get(client, {.url = server.base_url() + "/.well-known/atproto-did", .host_header = "alice.test"});
    REQUIRE(result);
    CHECK(result->body == "alice.test");
}

TEST_CASE("the HTTP client runs at most max_per_host transfers at once per host", "[net][http_client]") {
    TestHttpServer server([](const TestHttpRequest&) { return TestHttpResponse{.body = "ok", .delay = 50ms}; });
    net::HttpClient client({.max_concurrent = 16, .max_per_host = 2, .allow_private_addresses = true}, test_log());
    std::vector<std::future<net::HttpResult>> results;
    for (int i = 0; i < 8; ++i) results.push_back(client.fetch({.url = server.base_url() + "/" + std::to_string(i)}));
    for (auto& result : results) {
        const auto r = result.get();
        REQUIRE(r);
        CHECK(r->body == "ok");
    }
    CHECK(server.request_count() == 8);
    CHECK(server.peak_concurrency() <= 2);
}

TEST_CASE("the HTTP client does not start a request before its not_before", "[net][http_client]") {
    TestHttpServer server([](const TestHttpRequest&) { return TestHttpResponse{.body = "ok"}; });
    net::HttpClient client(allow_private(), test_log());
    const auto submitted = std::chrono::steady_clock::now();
    const auto result = get(client, {.url = server.base_url() + "/", .not_before = submitted + 300ms});
    REQUIRE(result);
    REQUIRE(server.request_count() == 1);
    CHECK(server.requests()[0].received >= submitted + 300ms);
}

TEST_CASE("a malformed or non-http URL is a bad_url error", "[net][http_client]") {
    net::HttpClient client(allow_private(), test_log());
    for (const std::string url : {"ftp://example.com/x", "not a url", "file:///etc/passwd"}) {
        const auto result = get(client, {.url = url});
        INFO(url);
        REQUIRE_FALSE(result);
        CHECK(result.error().kind == net::HttpErrorKind::bad_url);
    }
}

TEST_CASE("stopping the HTTP client fails running and later requests with shutdown", "[net][http_client]") {
    TestHttpServer server([](const TestHttpRequest&) { return TestHttpResponse{.body = "late", .delay = 5s}; });
    net::HttpClient client(allow_private(), test_log());
    auto running = client.fetch({.url = server.base_url() + "/slow"});
    while (server.request_count() == 0) std::this_thread::sleep_for(5ms);
    client.stop();
    const auto first = running.get();
    REQUIRE_FALSE(first);
    CHECK(first.error().kind == net::HttpErrorKind::shutdown);
    const auto later = get(client, {.url = server.base_url() + "/"});
    REQUIRE_FALSE(later);
    CHECK(later.error().kind == net::HttpErrorKind::shutdown);
}
