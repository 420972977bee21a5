// TestHttpServer: a small HTTP/1.1 server on 127.0.0.1 for tests of HTTP clients. Answers GETs
// through a handler, keeps connections alive, and can delay a response, add headers (Retry-After)
// or send a body without Content-Length. It records every request and the peak number handled
// at once. Thread-safety: one thread per connection; handler calls may run concurrently; the
// accessors may be called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace test_support {

struct TestHttpRequest {
    std::string method;
    std::string path;                               // without the query
    std::string query;                              // after '?', raw
    std::map<std::string, std::string> headers;     // names lower-cased
    std::chrono::steady_clock::time_point received;

    [[nodiscard]] std::string header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
};

struct TestHttpResponse {
    int status = 200;
    std::string body{};
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers{};
    std::chrono::milliseconds delay{0};             // wait this long before answering
    bool without_length = false;                    // no Content-Length; close after the body
};

class TestHttpServer {
public:
    using Handler = std::function<TestHttpResponse(const TestHttpRequest&)>;

    explicit TestHttpServer(Handler handler);   // Throws std::system_error when it cannot listen.
    ~TestHttpServer();
    TestHttpServer(const TestHttpServer&) = delete;
    TestHttpServer& operator=(const TestHttpServer&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    [[nodiscard]] std::string base_url() const;   // http://127.0.0.1:<port>
    [[nodiscard]] std::vector<TestHttpRequest> requests() const;
    [[nodiscard]] std::size_t request_count() const;
    [[nodiscard]] std::size_t peak_concurrency() const;

private:
    void accept_loop();
    void serve(int fd);
    bool wait_readable(int fd, int timeout_ms) const;   // false on stop
    bool stop_within(int timeout_ms) const;             // true when the server stops in time

    Handler handler_;
    int listen_fd_ = -1;
    int stop_fd_ = -1;   // eventfd: readable once the server stops
    std::uint16_t port_ = 0;

    mutable std::mutex mutex_;
    std::vector<TestHttpRequest> requests_;
    std::size_t active_ = 0;
    std::size_t peak_ = 0;
    std::vector<int> connections_;
    std::vector<std::thread> threads_;
    std::thread acceptor_;
};

}  // namespace test_support
