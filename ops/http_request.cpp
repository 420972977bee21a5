#include "ops/http_request.hpp"

#include <fmt/format.h>
#include <libwebsockets.h>

#include "ops/json_writer.hpp"

namespace ops {
namespace {

std::string header(lws* wsi, lws_token_indexes token) {
    const int length = lws_hdr_total_length(wsi, token);
    if (length <= 0) return {};
    std::string value(static_cast<std::size_t>(length) + 1, '\0');
    if (lws_hdr_copy(wsi, value.data(), length + 1, token) < 0) return {};
    value.resize(static_cast<std::size_t>(length));
    return value;
}

}  // namespace

HttpRequest read_request(lws* wsi, std::optional<std::string> path) {
    HttpRequest request{path ? std::move(*path) : header(wsi, WSI_TOKEN_GET_URI), {}, header(wsi, WSI_TOKEN_HOST)};
    char buffer[1024];
    for (int i = 0; lws_hdr_copy_fragment(wsi, buffer, sizeof(buffer), WSI_TOKEN_HTTP_URI_ARGS, i) > 0; ++i) {
        const std::string_view arg(buffer);
        const auto eq = arg.find('=');
        request.query.emplace_back(arg.substr(0, eq), eq == std::string_view::npos ? "" : arg.substr(eq + 1));
    }
    return request;
}

bool is_get(lws* wsi) { return lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0; }

bool has_body(lws* wsi) {
    return lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0 || lws_hdr_total_length(wsi, WSI_TOKEN_PUT_URI) > 0 ||
           lws_hdr_total_length(wsi, WSI_TOKEN_PATCH_URI) > 0;
}

HttpResponse dispatch(const std::vector<HttpRoute>& routes, const HttpRequest& request) {
    for (const auto& route : routes) {
        const bool prefix = !route.path.empty() && route.path.back() == '*';
        const std::string_view pattern = prefix ? std::string_view(route.path).substr(0, route.path.size() - 1)
                                                : std::string_view(route.path);
        if (prefix ? request.path.starts_with(pattern) : request.path == pattern) return route.handler(request);
    }
    return {404, "application/json",
            fmt::format(R"({{"error":"NotFound","message":{}}})", json_quote("no route for " + request.path))};
}

}  // namespace ops
