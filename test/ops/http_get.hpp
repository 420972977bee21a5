// A blocking HTTP client for the ops tests (libcurl easy): GET or POST one URL, return status,
// content type and body. Thread-safety: one call per thread at a time.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>

namespace test_ops {

struct HttpReply {
    long status = 0;
    std::string content_type;
    std::string body;
};

inline HttpReply http_get(const std::string& url, bool post = false) {
    struct Cleanup {
        void operator()(CURL* curl) const noexcept { curl_easy_cleanup(curl); }
    };
    std::unique_ptr<CURL, Cleanup> curl(curl_easy_init());
    HttpReply reply;
    auto append = +[](char* data, size_t size, size_t count, void* out) -> size_t {
        static_cast<std::string*>(out)->append(data, size * count);
        return size * count;
    };
    curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, append);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &reply.body);
    curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, 10L);
    if (post) curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, "x=1");
    if (curl_easy_perform(curl.get()) != CURLE_OK) return reply;
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &reply.status);
    char* type = nullptr;
    curl_easy_getinfo(curl.get(), CURLINFO_CONTENT_TYPE, &type);
    if (type != nullptr) reply.content_type = type;
    return reply;
}

}  // namespace test_ops
