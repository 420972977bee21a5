// DNS TXT lookups with the libc resolver (res_nquery on a private resolver state, so calls are
// thread-safe and never touch the process-wide `_res`). Blocking: run it on worker threads
// (DnsTxtResolver). Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace net {

enum class DnsErrorKind : std::uint8_t {
    not_found,   // NXDOMAIN or no TXT record
    failed,      // timeout, SERVFAIL, no reachable server
    malformed,   // an answer we cannot parse
};

struct DnsError {
    DnsErrorKind kind = DnsErrorKind::failed;
    std::string message;
};

struct DnsConfig {
    std::chrono::milliseconds timeout{3'000};   // per query attempt, whole seconds (at least 1)
    int attempts = 1;
    std::optional<std::string> nameserver;      // "IPv4:port" instead of /etc/resolv.conf (tests)
};

using TxtResult = tl::expected<std::vector<std::string>, DnsError>;

// Every TXT record of `name`, each record's character-strings joined (as resolvers present them).
[[nodiscard]] TxtResult lookup_txt(std::string_view name, const DnsConfig& config);

// The TXT records in the answer section of a DNS response message.
[[nodiscard]] TxtResult parse_txt_answer(std::span<const unsigned char> message);

}  // namespace net
