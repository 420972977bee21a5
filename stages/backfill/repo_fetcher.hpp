// RepoFetcher: one repo's getRepo CAR from its PDS. Resolves the DID (IdentityResolver: PDS
// endpoint, signing key, verified handle), then GETs {pds}/xrpc/com.atproto.sync.getRepo?did=
// through the shared HttpClient (its per-host limit, private-address refusal). Transient failures
// (network, timeouts, 5xx, 429 with Retry-After) are retried with doubling backoff; what is left
// is a value the caller records: a failure with its reason, or the repo's inactive status.
// Thread-safety: fetch() may be called from many threads at once; it blocks the calling thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "net/http_client.hpp"
#include "stages/identity/identity.hpp"
#include "stages/identity/identity_resolver.hpp"

namespace stages::backfill {

struct FetchConfig {
    std::chrono::milliseconds timeout{120'000};              // one getRepo transfer (BACKFILLER_TIMEOUT_SECS)
    std::size_t max_car_bytes = std::size_t{1} << 30;        // a larger CAR fails the repo
    int attempts = 4;                                        // per repo, transient failures only
    std::chrono::milliseconds retry_initial{1'000};
    std::chrono::milliseconds retry_max{60'000};
};

enum class FetchStatus : std::uint8_t {
    ok,           // `car` holds the repo, `identity` its resolution
    inactive,     // the PDS says RepoTakendown / RepoDeactivated / RepoSuspended / RepoNotFound (`detail`)
    failed,       // no usable answer after every attempt, or a permanent refusal (`detail` says why)
    retry_later,  // still rate limited (429) after every attempt: queue it again, not a failure
    stopped,      // the stop token was set: record nothing
};

struct FetchedRepo {
    FetchStatus status = FetchStatus::failed;
    std::string car;
    std::optional<identity::Identity> identity;
    std::string detail;  // the failure's reason, or the inactive status (takendown, deactivated, …)
};

// The inactive status a getRepo error name stands for ("RepoTakendown" → "takendown"); nullopt
// for other errors.
[[nodiscard]] std::optional<std::string> inactive_status(std::string_view xrpc_error);

class RepoFetcher {
public:
    RepoFetcher(net::HttpClient& http, identity::IdentityResolver& identity, const FetchConfig& config)
        : http_(http), identity_(identity), config_(config) {}

    [[nodiscard]] FetchedRepo fetch(const std::string& did, std::stop_token stop);

private:
    enum class Step : std::uint8_t { done, retry };
    Step resolve(const std::string& did, FetchedRepo& out, std::chrono::milliseconds& delay);
    Step get_repo(const std::string& did, FetchedRepo& out, std::chrono::milliseconds& delay);

    net::HttpClient& http_;
    identity::IdentityResolver& identity_;
    const FetchConfig& config_;
};

}  // namespace stages::backfill
