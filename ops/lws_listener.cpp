#include "ops/lws_listener.hpp"

#include <fmt/format.h>
#include <libwebsockets.h>

#include "common/thread_name.hpp"

namespace ops {

common::Result<std::unique_ptr<LwsListener>> LwsListener::start(const ListenerConfig& config,
                                                                 const lws_protocols* protocols, void* user) {
    lws_context_creation_info info{};
    info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_DISABLE_IPV6;
    info.user = user;
    info.port = config.port;
    info.iface = config.address.c_str();
    info.protocols = protocols;
    info.fd_limit_per_thread = 1024;
    if (!config.tls_cert_file.empty()) {
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.ssl_cert_filepath = config.tls_cert_file.c_str();
        info.ssl_private_key_filepath = config.tls_key_file.c_str();
    }
    auto context = stages::socket_read::LwsContext::create(info);
    if (!context) return tl::unexpected(context.error());
    lws_vhost* vhost = lws_create_vhost(context->get(), &info);
    if (vhost == nullptr) return common::fail(fmt::format("cannot listen on {}:{}", config.address, config.port));
    const auto port = static_cast<std::uint16_t>(lws_get_vhost_listen_port(vhost));
    return std::unique_ptr<LwsListener>(new LwsListener(std::move(*context), port, config.thread_name));
}

LwsListener::LwsListener(stages::socket_read::LwsContext context, std::uint16_t port, std::string thread_name)
    : context_(std::move(context)), port_(port) {
    thread_ = std::jthread([this, thread_name = std::move(thread_name)](std::stop_token stop) {
        common::name_this_thread(thread_name);
        std::stop_callback wake(stop, [this] { lws_cancel_service(context_.get()); });
        while (!stop.stop_requested()) {
            if (lws_service(context_.get(), 0) < 0) break;
        }
    });
}

LwsListener::~LwsListener() {
    // The context must outlive the thread that services it; members die in reverse order, but
    // say it explicitly.
    thread_.request_stop();
    if (thread_.joinable()) thread_.join();
}

}  // namespace ops
