// RAII owner of one libwebsockets context. Destroying it closes every connection of the context
// (their callbacks run on the destroying thread), so destroy it only after its service thread ended.
// Thread-safety: get() from any thread; the context itself is serviced by one thread.
#pragma once

#include <memory>

#include "common/result.hpp"

struct lws_context;
struct lws_context_creation_info;

namespace stages::socket_read {

class [[nodiscard]] LwsContext {
public:
    static common::Result<LwsContext> create(const lws_context_creation_info& info);

    [[nodiscard]] lws_context* get() const noexcept { return context_.get(); }

private:
    struct Destroy {
        void operator()(lws_context* context) const noexcept;
    };
    explicit LwsContext(lws_context* context) : context_(context) {}
    std::unique_ptr<lws_context, Destroy> context_;
};

}  // namespace stages::socket_read
