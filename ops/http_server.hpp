// A small HTTP/1.1 server (libwebsockets) answering GET routes from its own service thread.
// Non-GET requests get 405, unknown paths 404. Keep-alive is supported.
// Thread-safety: start/destroy from the owner thread; handlers run on the service thread, one at
// a time, so they may share state with each other without locks (not with other threads).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <spdlog/logger.h>

#include "common/result.hpp"
#include "ops/http_route.hpp"
#include "ops/lws_listener.hpp"

namespace ops {

class HttpServer {
public:
    [[nodiscard]] static common::Result<std::unique_ptr<HttpServer>> start(const ListenerConfig& config,
                                                                           std::vector<HttpRoute> routes,
                                                                           std::shared_ptr<spdlog::logger> log);
    // Closes every connection and stops the service thread.
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept;

    class Impl;

private:
    explicit HttpServer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ops
