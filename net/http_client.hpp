// HttpClient: many concurrent GETs on libcurl's multi interface, driven by one thread the client
// owns. Keep-alive and HTTP/2 multiplexing per host, a global and a per-host concurrency limit
// (excess requests wait in a per-host FIFO, served round-robin across hosts), per-request timeout
// and body limit, delayed starts (`not_before`) for callers' rate limits, and refusal of private
// addresses at connect time. Thread-safety: submit()/fetch()/metrics() from any thread; callbacks
// run on the client's thread (or inline in submit() after stop()) and must not block or destroy
// the client.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "net/http_types.hpp"

namespace net {

struct HttpClientConfig {
    std::size_t max_concurrent = 64;   // transfers running at once, all hosts
    std::size_t max_per_host = 8;      // transfers running at once per scheme://host:port
    bool allow_private_addresses = false;
    std::chrono::milliseconds connect_timeout{5'000};
    std::string user_agent = "wintermute/0.1 (+https://atproto.com)";
};

struct HttpClientMetrics {
    std::atomic<std::uint64_t> requests_total{0};
    std::atomic<std::uint64_t> responses_total{0};   // any HTTP status
    std::atomic<std::uint64_t> failures_total{0};    // every HttpError
    std::atomic<std::uint64_t> refused_total{0};
    std::atomic<std::uint64_t> too_large_total{0};
    std::atomic<std::uint64_t> timeouts_total{0};
    std::atomic<std::uint64_t> rate_limited_total{0};  // 429 responses
};

class HttpClient {
public:
    using Callback = std::function<void(HttpResult)>;

    // Starts the transfer thread. Throws std::runtime_error if libcurl cannot create a multi handle.
    HttpClient(HttpClientConfig config, std::shared_ptr<spdlog::logger> log);
    // stop(), then joins.
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // Never blocks. The callback runs exactly once.
    void submit(HttpRequest request, Callback callback);
    // submit() with the result in a future (for tests and callers that may block).
    [[nodiscard]] std::future<HttpResult> fetch(HttpRequest request);

    // Aborts queued and running transfers (their callbacks get HttpErrorKind::shutdown) and joins
    // the thread. Idempotent; later submits fail at once with shutdown.
    void stop();

    [[nodiscard]] const HttpClientMetrics& metrics() const noexcept;

    class Loop;

private:
    std::unique_ptr<Loop> loop_;
};

}  // namespace net
