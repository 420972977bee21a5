#include "net/transfer.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "net/address_policy.hpp"

namespace net::detail {

namespace {

HttpError error(HttpErrorKind kind, std::string message) { return HttpError{kind, std::move(message)}; }

HttpErrorKind kind_of(CURLcode code) noexcept {
    switch (code) {
        case CURLE_OPERATION_TIMEDOUT: return HttpErrorKind::timeout;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY: return HttpErrorKind::resolve_failed;
        case CURLE_COULDNT_CONNECT: return HttpErrorKind::connect_failed;
        case CURLE_FILESIZE_EXCEEDED: return HttpErrorKind::body_too_large;
        case CURLE_URL_MALFORMAT:
        case CURLE_UNSUPPORTED_PROTOCOL: return HttpErrorKind::bad_url;
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_CACERT_BADFILE: return HttpErrorKind::tls_failed;
        default: return HttpErrorKind::transport;
    }
}

// Options whose failure would be a bug or an ancient libcurl: checked together.
bool all_ok(std::initializer_list<CURLcode> results) {
    return std::all_of(results.begin(), results.end(), [](CURLcode c) { return c == CURLE_OK; });
}

}  // namespace

Transfer::Transfer(HttpRequest request, HttpClient::Callback callback, std::string host_key)
    : request_(std::move(request)), callback_(std::move(callback)), host_key_(std::move(host_key)) {}

tl::expected<CURL*, HttpError> Transfer::prepare(const HttpClientConfig& config) {
    easy_.reset(curl_easy_init());
    if (!easy_) return tl::unexpected(error(HttpErrorKind::transport, "curl_easy_init failed"));
    allow_private_ = config.allow_private_addresses;
    if (request_.host_header) headers_.append("Host: " + *request_.host_header);
    for (const auto& line : request_.headers) headers_.append(line);
    CURL* e = easy_.get();
    const long timeout_ms = static_cast<long>(request_.timeout.count());
    const long connect_ms = std::min(timeout_ms, static_cast<long>(config.connect_timeout.count()));
    const bool ok = all_ok({
        curl_easy_setopt(e, CURLOPT_URL, request_.url.c_str()),
        curl_easy_setopt(e, CURLOPT_PRIVATE, static_cast<void*>(this)),
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https"),
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L),
        curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS)),
        curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L),
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms),
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect_ms),
        curl_easy_setopt(e, CURLOPT_USERAGENT, config.user_agent.c_str()),
        curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, ""),
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers_.get()),
        curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(request_.max_body_bytes)),
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Transfer::on_body),
        curl_easy_setopt(e, CURLOPT_WRITEDATA, static_cast<void*>(this)),
        curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, &Transfer::on_open_socket),
        curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, static_cast<void*>(this)),
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error_.data()),
    });
    if (!ok) return tl::unexpected(error(HttpErrorKind::transport, "libcurl refused an option"));
    return e;
}

std::size_t Transfer::on_body(char* data, std::size_t size, std::size_t count, void* self) {
    auto* transfer = static_cast<Transfer*>(self);
    const std::size_t bytes = size * count;
    if (transfer->body_.size() + bytes > transfer->request_.max_body_bytes) {
        transfer->body_too_large_ = true;
        return 0;  // anything but `bytes` makes libcurl abort with CURLE_WRITE_ERROR
    }
    transfer->body_.append(data, bytes);
    return bytes;
}

// Runs for every new connection, with the address libcurl is about to connect to (after DNS,
// per happy-eyeballs candidate), so a hostname that resolves to a private address is caught too.
curl_socket_t Transfer::on_open_socket(void* self, curlsocktype purpose, curl_sockaddr* address) {
    auto* transfer = static_cast<Transfer*>(self);
    if (purpose == CURLSOCKTYPE_IPCXN && !transfer->allow_private_ && is_private_address(&address->addr)) {
        transfer->refused_ = true;
        transfer->refused_ip_ = address_text(&address->addr).value_or("non-IP address");
        return CURL_SOCKET_BAD;
    }
    return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

HttpResult Transfer::finish(CURLcode code) {
    if (refused_ && code != CURLE_OK) {
        return tl::unexpected(error(HttpErrorKind::refused_address,
                                    fmt::format("{}: refused private address {}", request_.url, refused_ip_)));
    }
    if (body_too_large_ || code == CURLE_FILESIZE_EXCEEDED) {
        return tl::unexpected(error(HttpErrorKind::body_too_large,
                                    fmt::format("{}: body over {} bytes", request_.url, request_.max_body_bytes)));
    }
    if (code != CURLE_OK) {
        const char* detail = error_[0] != '\0' ? error_.data() : curl_easy_strerror(code);
        return tl::unexpected(error(kind_of(code), fmt::format("{}: {}", request_.url, detail)));
    }
    HttpResponse response;
    CURL* e = easy_.get();
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &response.status);
    const char* content_type = nullptr;
    if (curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &content_type) == CURLE_OK && content_type != nullptr) {
        response.content_type = content_type;
    }
    const char* ip = nullptr;
    if (curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip != nullptr) response.remote_ip = ip;
    curl_off_t retry_after = 0;
    if ((response.status == 429 || response.status == 503) &&
        curl_easy_getinfo(e, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK && retry_after > 0) {
        response.retry_after = std::chrono::seconds(retry_after);
    }
    response.body = std::move(body_);
    return response;
}

tl::expected<std::string, HttpError> host_key_of(const std::string& url) {
    CurlUrl handle(curl_url());
    if (!handle) return tl::unexpected(error(HttpErrorKind::transport, "curl_url failed"));
    if (curl_url_set(handle.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
        return tl::unexpected(error(HttpErrorKind::bad_url, "malformed URL: " + url));
    }
    const auto part = [&](CURLUPart which, unsigned flags) -> std::string {
        char* text = nullptr;
        if (curl_url_get(handle.get(), which, &text, flags) != CURLUE_OK || text == nullptr) return {};
        std::string value(text);
        curl_free(text);
        return value;
    };
    const std::string scheme = part(CURLUPART_SCHEME, 0);
    if (scheme != "http" && scheme != "https") {
        return tl::unexpected(error(HttpErrorKind::bad_url, "not an http(s) URL: " + url));
    }
    return scheme + "://" + part(CURLUPART_HOST, 0) + ":" + part(CURLUPART_PORT, CURLU_DEFAULT_PORT);
}

}  // namespace net::detail
