// One HTTP response in flight on a libwebsockets connection: the headers at once, then the body in
// chunks as the socket becomes writable, then the transaction completes (keep-alive).
// Thread-safety: use only from the server's service thread, inside callbacks for its connection.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "ops/http_route.hpp"

struct lws;

namespace ops {

class HttpReply {
public:
    // Writes the status line and headers and asks for a writable callback. Returns the lws
    // callback result: 0 to continue, non-zero to close the connection.
    [[nodiscard]] int begin(lws* wsi, HttpResponse response);

    // On LWS_CALLBACK_HTTP_WRITEABLE: sends the next chunk of the body; the callback result.
    [[nodiscard]] int on_writable(lws* wsi);

private:
    std::string body_;
    std::size_t sent_ = 0;
    std::vector<unsigned char> buffer_;
};

}  // namespace ops
