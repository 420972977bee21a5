#include "ops/http_reply.hpp"

#include <algorithm>
#include <cstring>

#include <libwebsockets.h>

namespace ops {
namespace {

constexpr std::size_t chunk = 16 * 1024;

}  // namespace

int HttpReply::begin(lws* wsi, HttpResponse response) {
    body_ = std::move(response.body);
    sent_ = 0;
    unsigned char headers[LWS_PRE + 1024];
    unsigned char* start = headers + LWS_PRE;
    unsigned char* p = start;
    unsigned char* end = headers + sizeof(headers) - 1;
    // Every answer is computed per request (status, metrics) or baked into the binary: no caching
    // by proxies or the browser keeps the dashboard honest after an upgrade.
    static constexpr char no_store[] = "no-store";
    if (lws_add_http_common_headers(wsi, response.status, response.content_type.c_str(), body_.size(), &p, end) != 0 ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                     reinterpret_cast<const unsigned char*>(no_store), sizeof(no_store) - 1, &p,
                                     end) != 0 ||
        lws_finalize_write_http_header(wsi, start, &p, end) != 0) {
        return 1;
    }
    if (body_.empty()) return lws_http_transaction_completed(wsi) != 0 ? -1 : 0;
    lws_callback_on_writable(wsi);
    return 0;
}

int HttpReply::on_writable(lws* wsi) {
    const std::size_t length = std::min(chunk, body_.size() - sent_);
    const bool last = sent_ + length == body_.size();
    buffer_.resize(LWS_PRE + length);
    std::memcpy(buffer_.data() + LWS_PRE, body_.data() + sent_, length);
    if (lws_write(wsi, buffer_.data() + LWS_PRE, length, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) <
        static_cast<int>(length)) {
        return 1;
    }
    sent_ += length;
    if (!last) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    return lws_http_transaction_completed(wsi) != 0 ? -1 : 0;
}

}  // namespace ops
