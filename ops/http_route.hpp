// Plain HTTP GET routes for the lws servers (the ops server, wintermute-replay): path → handler.
// Handlers run on the server's service thread and must not block for long.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ops {

struct HttpRequest {
    std::string path;
    std::vector<std::pair<std::string, std::string>> query;   // url-decoded, in request order
    std::string host;                                          // the Host header

    [[nodiscard]] std::optional<std::string_view> param(std::string_view name) const {
        for (const auto& [key, value] : query) {
            if (key == name) return std::string_view(value);
        }
        return std::nullopt;
    }
};

struct HttpResponse {
    unsigned status = 200;
    std::string content_type = "application/json";
    std::string body;
};

// `path` matches exactly, or, ending in '*', every path that starts with what precedes it.
struct HttpRoute {
    std::string path;
    std::function<HttpResponse(const HttpRequest&)> handler;
};

// The response of the route whose path equals the request's, or a JSON 404.
[[nodiscard]] HttpResponse dispatch(const std::vector<HttpRoute>& routes, const HttpRequest& request);

}  // namespace ops
