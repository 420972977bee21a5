// Counters of the identity resolver, registered once by pipeline/metrics.cpp as
// wintermute_identity_<name>. Thread-safety: relaxed atomics, updated from the resolver's threads.
#pragma once

#include <atomic>
#include <cstdint>

namespace stages::identity {

struct IdentityMetrics {
    std::atomic<std::uint64_t> requests_total{0};
    std::atomic<std::uint64_t> cache_hits_total{0};
    std::atomic<std::uint64_t> coalesced_total{0};         // joined a resolution already running
    std::atomic<std::uint64_t> overloaded_total{0};
    std::atomic<std::uint64_t> resolved_total{0};          // identities delivered from the network
    std::atomic<std::uint64_t> handle_verified_total{0};
    std::atomic<std::uint64_t> handle_unverified_total{0};
    std::atomic<std::uint64_t> not_found_total{0};
    std::atomic<std::uint64_t> invalid_document_total{0};
    std::atomic<std::uint64_t> transient_failures_total{0};
    std::atomic<std::uint64_t> plc_requests_total{0};
    std::atomic<std::uint64_t> plc_rate_limited_total{0};  // 429 from the PLC directory
    std::atomic<std::uint64_t> did_web_requests_total{0};
    std::atomic<std::uint64_t> dns_lookups_total{0};
    std::atomic<std::uint64_t> dns_failures_total{0};       // timeouts and server failures, not NXDOMAIN
    std::atomic<std::uint64_t> wellknown_requests_total{0};
    std::atomic<std::uint64_t> wellknown_failures_total{0};
    std::atomic<std::uint64_t> repo_gone_total{0};
    std::atomic<std::uint64_t> repo_present_total{0};
    std::atomic<std::uint64_t> repo_check_retry_total{0};
    std::atomic<std::uint64_t> cache_evictions_total{0};
};

inline void bump(std::atomic<std::uint64_t>& counter) noexcept { counter.fetch_add(1, std::memory_order_relaxed); }

}  // namespace stages::identity
