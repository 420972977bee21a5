// Settings of the identity resolver (DID documents, handles, the identity cache). Filled by the
// config loader from the TOML file / environment; library code never reads the environment.
// Thread-safety: a plain value, read-only once the resolver is built.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

namespace stages::identity {

struct IdentityConfig {
    std::string plc_url = "https://plc.directory";            // PLC_URL
    // HANDLE_WELLKNOWN_BASE_URL (e.g. "http://127.0.0.1:2583"): every handle's
    // /.well-known/atproto-did goes to this base with `Host: <handle>`; DNS is skipped.
    std::optional<std::string> handle_wellknown_base_url;
    bool allow_private_addresses = false;                     // ALLOW_PRIVATE_ADDRESSES

    std::chrono::milliseconds did_timeout{5'000};             // one DID document fetch
    std::chrono::milliseconds handle_timeout{3'000};          // one well-known fetch
    std::chrono::milliseconds dns_timeout{3'000};
    std::optional<std::string> dns_nameserver;                // "IPv4:port" instead of resolv.conf (tests)
    std::size_t dns_threads = 2;
    std::size_t max_document_bytes = 256 * 1024;
    std::size_t max_wellknown_bytes = 4 * 1024;

    std::size_t max_in_flight = 32;          // resolutions running at once (distinct DIDs)
    std::size_t max_waiting = 100'000;       // queued beyond that; further requests: overloaded
    std::size_t max_per_host = 8;            // concurrent HTTP transfers per host
    double plc_requests_per_second = 20;     // token bucket toward PLC_URL; <= 0: unlimited
    double plc_burst = 20;

    std::filesystem::path cache_dir;                        // DATA_DIR/identity; LMDB environment
    std::size_t cache_map_bytes = std::size_t{512} << 20;   // must hold cache_max_entries
    std::size_t cache_max_entries = 500'000;                // oldest resolutions evicted beyond this
    std::chrono::seconds verified_ttl{std::chrono::hours(24)};   // entries with a verified handle
    std::chrono::seconds unverified_ttl{std::chrono::hours(1)};  // entries whose handle did not verify
};

}  // namespace stages::identity
