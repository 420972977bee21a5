// A listening libwebsockets server: one context, one vhost on address:port, and the thread that
// services it. Stopping (the destructor) ends the thread first, then destroys the context, whose
// close callbacks then run on the destroying thread.
// Thread-safety: construct and destroy from the owner thread; port() and context() from anywhere.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "common/result.hpp"
#include "stages/socket_read/lws_context.hpp"

struct lws_protocols;

namespace ops {

struct ListenerConfig {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;        // 0: the kernel picks a free port; see port()
    std::string tls_cert_file;     // PEM; with tls_key_file, serve https/wss instead of http/ws
    std::string tls_key_file;
    std::string thread_name = "http";  // the servicing thread shows as wm-<this>
};

class LwsListener {
public:
    // `protocols` (terminated by a null entry) and `user` (what lws_context_user returns in the
    // callbacks) must outlive the listener.
    [[nodiscard]] static common::Result<std::unique_ptr<LwsListener>> start(const ListenerConfig& config,
                                                                            const lws_protocols* protocols,
                                                                            void* user);
    ~LwsListener();
    LwsListener(const LwsListener&) = delete;
    LwsListener& operator=(const LwsListener&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    [[nodiscard]] lws_context* context() const noexcept { return context_.get(); }

private:
    LwsListener(stages::socket_read::LwsContext context, std::uint16_t port, std::string thread_name);

    stages::socket_read::LwsContext context_;
    std::uint16_t port_;
    std::jthread thread_;
};

}  // namespace ops
