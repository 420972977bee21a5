#include "replay/request.hpp"

#include <charconv>

#include <fmt/format.h>
#include <libwebsockets.h>

namespace replay {
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

common::Result<std::optional<std::int64_t>> cursor_param(const HttpRequest& request) {
    const auto text = request.param("cursor");
    if (!text) return std::optional<std::int64_t>{};
    std::int64_t value = 0;
    const auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (text->empty() || ec != std::errc{} || ptr != text->data() + text->size() || value < 0) {
        return common::fail(fmt::format("bad cursor '{}'", *text));
    }
    return std::optional<std::int64_t>{value};
}

}  // namespace replay
