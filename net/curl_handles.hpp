// RAII owners of libcurl's C handles (easy, multi, header list, URL). Internal to net/: raw handles
// never leave this folder. Thread-safety: one owner thread per handle, as libcurl requires.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include <curl/curl.h>

namespace net::detail {

struct EasyCleanup {
    void operator()(CURL* easy) const noexcept { curl_easy_cleanup(easy); }
};
struct MultiCleanup {
    void operator()(CURLM* multi) const noexcept { curl_multi_cleanup(multi); }
};
struct UrlCleanup {
    void operator()(CURLU* url) const noexcept { curl_url_cleanup(url); }
};

using CurlEasy = std::unique_ptr<CURL, EasyCleanup>;
using CurlMulti = std::unique_ptr<CURLM, MultiCleanup>;
using CurlUrl = std::unique_ptr<CURLU, UrlCleanup>;

// A curl_slist that owns its nodes; append() keeps the list head current.
class CurlSlist {
public:
    CurlSlist() = default;
    CurlSlist(const CurlSlist&) = delete;
    CurlSlist& operator=(const CurlSlist&) = delete;
    ~CurlSlist() { curl_slist_free_all(head_); }

    // Throws std::bad_alloc when libcurl cannot allocate (a bug-level condition).
    void append(const std::string& line) {
        curl_slist* next = curl_slist_append(head_, line.c_str());
        if (next == nullptr) throw std::bad_alloc();
        head_ = next;
    }
    [[nodiscard]] curl_slist* get() const noexcept { return head_; }

private:
    curl_slist* head_ = nullptr;
};

}  // namespace net::detail
