#include "test/support/http_test_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <system_error>

#include <fmt/format.h>

namespace test_support {

namespace {

std::system_error os_error(const char* what) { return std::system_error(errno, std::generic_category(), what); }

bool send_all(int fd, const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
        const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return false;
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

TestHttpRequest parse_head(const std::string& head) {
    TestHttpRequest request;
    request.received = std::chrono::steady_clock::now();
    std::size_t line_end = head.find("\r\n");
    const std::string first = head.substr(0, line_end);
    const auto space1 = first.find(' ');
    const auto space2 = first.find(' ', space1 + 1);
    request.method = first.substr(0, space1);
    const std::string target = first.substr(space1 + 1, space2 - space1 - 1);
    const auto question = target.find('?');
    request.path = target.substr(0, question);
    if (question != std::string::npos) request.query = target.substr(question + 1);
    while (line_end != std::string::npos && line_end + 2 < head.size()) {
        const auto next = head.find("\r\n", line_end + 2);
        const std::string line = head.substr(line_end + 2, next - line_end - 2);
        line_end = next;
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        const auto value_start = line.find_first_not_of(' ', colon + 1);
        request.headers[name] = value_start == std::string::npos ? "" : line.substr(value_start);
    }
    return request;
}

std::string reason(int status) {
    switch (status) {
        case 200: return "OK";
        case 400: return "Bad Request";
        case 404: return "Not Found";
        case 429: return "Too Many Requests";
        case 500: return "Internal Server Error";
        default: return "Status";
    }
}

}  // namespace

TestHttpServer::TestHttpServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) throw os_error("socket");
    const int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) throw os_error("bind");
    if (::listen(listen_fd_, 64) != 0) throw os_error("listen");
    socklen_t length = sizeof address;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    stop_fd_ = ::eventfd(0, EFD_CLOEXEC);
    if (stop_fd_ < 0) throw os_error("eventfd");
    acceptor_ = std::thread([this] { accept_loop(); });
}

TestHttpServer::~TestHttpServer() {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(stop_fd_, &one, sizeof one);
    acceptor_.join();
    std::vector<std::thread> threads;
    {
        std::lock_guard lock(mutex_);
        for (int fd : connections_) ::shutdown(fd, SHUT_RDWR);
        threads.swap(threads_);
    }
    for (auto& thread : threads) thread.join();
    ::close(listen_fd_);
    ::close(stop_fd_);
}

std::string TestHttpServer::base_url() const { return fmt::format("http://127.0.0.1:{}", port_); }

std::vector<TestHttpRequest> TestHttpServer::requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
}

std::size_t TestHttpServer::request_count() const {
    std::lock_guard lock(mutex_);
    return requests_.size();
}

std::size_t TestHttpServer::peak_concurrency() const {
    std::lock_guard lock(mutex_);
    return peak_;
}

bool TestHttpServer::wait_readable(int fd, int timeout_ms) const {
    pollfd fds[2] = {{fd, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    const int ready = ::poll(fds, 2, timeout_ms);
    return ready > 0 && (fds[1].revents & POLLIN) == 0;
}

bool TestHttpServer::stop_within(int timeout_ms) const {
    pollfd fds[1] = {{stop_fd_, POLLIN, 0}};
    return ::poll(fds, 1, timeout_ms) > 0;
}

void TestHttpServer::accept_loop() {
    while (wait_readable(listen_fd_, -1)) {
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;
        std::lock_guard lock(mutex_);
        connections_.push_back(fd);
        threads_.emplace_back([this, fd] { serve(fd); });
    }
}

void TestHttpServer::serve(int fd) {
    std::string buffer;
    char chunk[4096];
    for (;;) {
        const auto head_end = buffer.find("\r\n\r\n");
        if (head_end == std::string::npos) {
            if (!wait_readable(fd, -1)) break;
            const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
            if (n <= 0) break;
            buffer.append(chunk, static_cast<std::size_t>(n));
            continue;
        }
        TestHttpRequest request = parse_head(buffer.substr(0, head_end));
        buffer.erase(0, head_end + 4);
        {
            std::lock_guard lock(mutex_);
            requests_.push_back(request);
            peak_ = std::max(peak_, ++active_);
        }
        const TestHttpResponse response = handler_(request);
        // The delay ends early when the server stops, so that destruction never waits on it.
        const bool stopped = response.delay.count() > 0 && stop_within(static_cast<int>(response.delay.count()));
        std::string out = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\n", response.status,
                                      reason(response.status), response.content_type);
        for (const auto& [name, value] : response.headers) out += fmt::format("{}: {}\r\n", name, value);
        out += response.without_length ? std::string("Connection: close\r\n")
                                       : fmt::format("Content-Length: {}\r\n", response.body.size());
        out += "\r\n" + response.body;
        const bool sent = !stopped && send_all(fd, out);
        {
            std::lock_guard lock(mutex_);
            --active_;
        }
        if (!sent || response.without_length) break;
    }
    std::lock_guard lock(mutex_);
    connections_.erase(std::remove(connections_.begin(), connections_.end(), fd), connections_.end());
    ::close(fd);
}

}  // namespace test_support
