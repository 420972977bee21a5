// Where a socket reader connects: one parsed RELAY_HOSTS / LABELER_HOSTS entry, the stream it
// subscribes to, and the sub_state cursor key it resumes from. Plain values; thread-safe to share.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace stages::socket_read {

enum class Stream : std::uint8_t { repos, labels };

// "/xrpc/com.atproto.sync.subscribeRepos" or "/xrpc/com.atproto.label.subscribeLabels".
[[nodiscard]] std::string_view subscribe_path(Stream stream) noexcept;

struct RelayEndpoint {
    std::string host;        // DNS name or IP literal, without brackets
    std::uint16_t port = 443;
    bool tls = true;         // wss (and https for the relay's HTTP endpoints) when true
    std::string authority;   // the entry's host[:port] as written, scheme stripped: the cursor key's {host}

    // "https://host[:port]" or, for a ws:// entry, "http://H:P": where listRepos/getRepo live.
    [[nodiscard]] std::string http_base() const;
    // "firehose:{authority}" for repos, "labels:{authority}" for labels (the sub_state key).
    [[nodiscard]] std::string cursor_key(Stream stream) const;
    // "host" for the Host header: the authority without a default port.
    [[nodiscard]] std::string host_header() const;

    friend bool operator==(const RelayEndpoint&, const RelayEndpoint&) = default;
};

// One entry: "host" (wss, 443), "host:port" (wss), "wss://host[:port][/]" or "ws://host[:port][/]"
// (ws defaults to port 80). IPv6 literals go in brackets. Bad entries are errors, never guesses.
[[nodiscard]] common::Result<RelayEndpoint> parse_relay_endpoint(std::string_view entry);

// A comma-separated list; blanks around entries are ignored, an empty list gives no endpoints.
[[nodiscard]] common::Result<std::vector<RelayEndpoint>> parse_relay_hosts(std::string_view list);

}  // namespace stages::socket_read
