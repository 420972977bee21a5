// One HTTP transfer inside the client: the easy handle with every option set, the libcurl
// callbacks that collect the body (enforcing the size limit) and vet the peer address, and the
// mapping of the finished transfer to an HttpResult. Internal to net/. Thread-safety: owned by
// the client's thread once started.
#pragma once

#include <array>
#include <string>

#include <curl/curl.h>

#include "net/curl_handles.hpp"
#include "net/http_client.hpp"

namespace net::detail {

class Transfer {
public:
    Transfer(HttpRequest request, HttpClient::Callback callback, std::string host_key);
    Transfer(const Transfer&) = delete;
    Transfer& operator=(const Transfer&) = delete;

    // Creates and configures the easy handle; CURLOPT_PRIVATE points at this Transfer.
    // An error (libcurl refused an option) is returned as the transfer's final result.
    [[nodiscard]] tl::expected<CURL*, HttpError> prepare(const HttpClientConfig& config);
    // The result of a transfer libcurl reported done with `code`.
    [[nodiscard]] HttpResult finish(CURLcode code);

    [[nodiscard]] const HttpRequest& request() const noexcept { return request_; }
    [[nodiscard]] const std::string& host_key() const noexcept { return host_key_; }
    [[nodiscard]] CURL* easy() const noexcept { return easy_.get(); }
    // Hands the callback out exactly once.
    [[nodiscard]] HttpClient::Callback take_callback() noexcept { return std::move(callback_); }

private:
    static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* self);
    static curl_socket_t on_open_socket(void* self, curlsocktype purpose, curl_sockaddr* address);

    HttpRequest request_;
    HttpClient::Callback callback_;
    std::string host_key_;
    CurlEasy easy_;
    CurlSlist headers_;
    std::string body_;
    bool allow_private_ = false;
    bool body_too_large_ = false;
    bool refused_ = false;
    std::string refused_ip_;
    std::array<char, CURL_ERROR_SIZE> error_{};
};

// "scheme://host:port" of an http(s) URL: the unit of the per-host limit. Errors: bad_url.
[[nodiscard]] tl::expected<std::string, HttpError> host_key_of(const std::string& url);

}  // namespace net::detail
