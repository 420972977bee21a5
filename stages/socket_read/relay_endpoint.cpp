#include "stages/socket_read/relay_endpoint.hpp"

#include <charconv>

#include <fmt/format.h>

namespace stages::socket_read {
namespace {

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

common::Result<std::uint16_t> parse_port(std::string_view text, std::string_view entry) {
    unsigned value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end || value == 0 || value > 65535) {
        return common::fail(fmt::format("relay entry '{}': bad port '{}'", entry, text));
    }
    return static_cast<std::uint16_t>(value);
}

bool valid_host_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
}

// Splits "host", "host:port", "[v6]" or "[v6]:port" into host and optional port text.
common::Result<RelayEndpoint> parse_authority(std::string_view authority, std::string_view entry,
                                              RelayEndpoint endpoint) {
    std::string_view host = authority;
    std::string_view port;
    if (authority.starts_with('[')) {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return common::fail(fmt::format("relay entry '{}': unclosed '['", entry));
        host = authority.substr(1, close - 1);
        const auto rest = authority.substr(close + 1);
        if (!rest.empty() && !rest.starts_with(':')) {
            return common::fail(fmt::format("relay entry '{}': junk after ']'", entry));
        }
        if (!rest.empty()) port = rest.substr(1);
        if (!rest.empty() && port.empty()) return common::fail(fmt::format("relay entry '{}': empty port", entry));
    } else {
        const auto colon = authority.find(':');
        if (colon != std::string_view::npos) {
            host = authority.substr(0, colon);
            port = authority.substr(colon + 1);
            if (port.empty()) return common::fail(fmt::format("relay entry '{}': empty port", entry));
        }
        for (const char c : host) {
            if (!valid_host_char(c)) return common::fail(fmt::format("relay entry '{}': bad host character", entry));
        }
    }
    if (host.empty()) return common::fail(fmt::format("relay entry '{}': empty host", entry));
    if (!port.empty()) {
        auto parsed = parse_port(port, entry);
        if (!parsed) return tl::unexpected(parsed.error());
        endpoint.port = *parsed;
    }
    endpoint.host = std::string(host);
    endpoint.authority = std::string(authority);
    return endpoint;
}

}  // namespace

std::string_view subscribe_path(Stream stream) noexcept {
    return stream == Stream::repos ? "/xrpc/com.atproto.sync.subscribeRepos"
                                   : "/xrpc/com.atproto.label.subscribeLabels";
}

std::string RelayEndpoint::http_base() const {
    return fmt::format("{}://{}", tls ? "https" : "http", host_header());
}

std::string RelayEndpoint::cursor_key(Stream stream) const {
    return fmt::format("{}:{}", stream == Stream::repos ? "firehose" : "labels", authority);
}

std::string RelayEndpoint::host_header() const {
    const bool v6 = host.find(':') != std::string::npos;
    const std::string bare = v6 ? fmt::format("[{}]", host) : host;
    const std::uint16_t default_port = tls ? 443 : 80;
    return port == default_port ? bare : fmt::format("{}:{}", bare, port);
}

common::Result<RelayEndpoint> parse_relay_endpoint(std::string_view entry) {
    entry = trim(entry);
    if (entry.empty()) return common::fail("relay entry is empty");
    RelayEndpoint endpoint;
    std::string_view rest = entry;
    if (const auto scheme_end = entry.find("://"); scheme_end != std::string_view::npos) {
        const auto scheme = entry.substr(0, scheme_end);
        if (scheme == "ws") {
            endpoint.tls = false;
            endpoint.port = 80;
        } else if (scheme != "wss") {
            return common::fail(fmt::format("relay entry '{}': scheme must be ws or wss", entry));
        }
        rest = entry.substr(scheme_end + 3);
        if (rest.ends_with('/')) rest.remove_suffix(1);
        if (rest.find_first_of("/?#") != std::string_view::npos) {
            return common::fail(fmt::format("relay entry '{}': a path or query is not allowed", entry));
        }
    }
    return parse_authority(rest, entry, std::move(endpoint));
}

common::Result<std::vector<RelayEndpoint>> parse_relay_hosts(std::string_view list) {
    std::vector<RelayEndpoint> endpoints;
    while (!trim(list).empty()) {
        const auto comma = list.find(',');
        const auto entry = trim(list.substr(0, comma));
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
        if (entry.empty()) continue;
        auto endpoint = parse_relay_endpoint(entry);
        if (!endpoint) return tl::unexpected(endpoint.error());
        endpoints.push_back(std::move(*endpoint));
    }
    return endpoints;
}

}  // namespace stages::socket_read
