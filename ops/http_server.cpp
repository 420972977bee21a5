#include "ops/http_server.hpp"

#include <exception>
#include <utility>

#include <libwebsockets.h>

#include "ops/http_reply.hpp"
#include "ops/http_request.hpp"

namespace ops {
namespace {

int callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len);

const lws_protocols protocols[] = {
    {"http", callback, sizeof(void*), 0, 0, nullptr, 0},
    {nullptr, nullptr, 0, 0, 0, nullptr, 0},
};

}  // namespace

class HttpServer::Impl {
public:
    Impl(std::vector<HttpRoute> routes, std::shared_ptr<spdlog::logger> log)
        : routes_(std::move(routes)), log_(std::move(log)) {}

    // The reply lives in the connection's user slot from HTTP until CLOSED_HTTP.
    int on_http(lws* wsi, HttpReply*& reply, const char* path) {
        delete std::exchange(reply, new HttpReply);
        if (is_get(wsi)) return reply->begin(wsi, answer(read_request(wsi, path)));
        // A request with a body is answered once lws has read (and we have dropped) the body.
        return has_body(wsi) ? 0 : refuse(wsi, *reply);
    }

    static int refuse(lws* wsi, HttpReply& reply) { return reply.begin(wsi, {405, "text/plain", "only GET\n"}); }

    std::vector<HttpRoute> routes_;
    std::shared_ptr<spdlog::logger> log_;
    // Last: destroyed first, so no callback outlives the routes.
    std::unique_ptr<LwsListener> listener_;

private:
    // A throwing handler is a bug; answer 500 and keep the operator surface up.
    HttpResponse answer(const HttpRequest& request) {
        try {
            return dispatch(routes_, request);
        } catch (const std::exception& e) {
            log_->error("handler for {} failed: {}", request.path, e.what());
            return {500, "text/plain", "internal error\n"};
        }
    }
};

namespace {

int callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
    auto** slot = static_cast<HttpReply**>(user);
    if (slot == nullptr) return reason == LWS_CALLBACK_HTTP ? -1 : lws_callback_http_dummy(wsi, reason, user, in, len);
    switch (reason) {
    case LWS_CALLBACK_HTTP: {
        auto* impl = static_cast<HttpServer::Impl*>(lws_context_user(lws_get_context(wsi)));
        return impl->on_http(wsi, *slot, static_cast<const char*>(in));
    }
    case LWS_CALLBACK_HTTP_BODY: return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION: return *slot != nullptr ? HttpServer::Impl::refuse(wsi, **slot) : -1;
    case LWS_CALLBACK_HTTP_WRITEABLE: return *slot != nullptr ? (*slot)->on_writable(wsi) : 0;
    case LWS_CALLBACK_CLOSED_HTTP: delete std::exchange(*slot, nullptr); return 0;
    default: return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

}  // namespace

common::Result<std::unique_ptr<HttpServer>> HttpServer::start(const ListenerConfig& config,
                                                              std::vector<HttpRoute> routes,
                                                              std::shared_ptr<spdlog::logger> log) {
    auto impl = std::make_unique<Impl>(std::move(routes), std::move(log));
    auto listener = LwsListener::start(config, protocols, impl.get());
    if (!listener) return tl::unexpected(listener.error());
    impl->listener_ = std::move(*listener);
    impl->log_->info("serving http on {}:{}", config.address, impl->listener_->port());
    return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() = default;
std::uint16_t HttpServer::port() const noexcept { return impl_->listener_->port(); }

}  // namespace ops
