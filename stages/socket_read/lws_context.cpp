#include "stages/socket_read/lws_context.hpp"

#include <mutex>

#include <libwebsockets.h>

namespace stages::socket_read {

void LwsContext::Destroy::operator()(lws_context* context) const noexcept { lws_context_destroy(context); }

common::Result<LwsContext> LwsContext::create(const lws_context_creation_info& info) {
    // libwebsockets logs to stderr through a process-wide setting; keep only its errors, our own
    // loggers report connection events with context.
    static std::once_flag quiet;
    std::call_once(quiet, [] { lws_set_log_level(LLL_ERR, nullptr); });
    lws_context* context = lws_create_context(&info);
    if (context == nullptr) return common::fail("libwebsockets could not create a context");
    return LwsContext(context);
}

}  // namespace stages::socket_read
