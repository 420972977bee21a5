// RepoEnumerator: pages through com.atproto.sync.listRepos of one relay or PDS and feeds
// repo_backfill (the keyed spill queue, through PushRepos): each listed active repo that is not
// already backfilled at its listed rev (backfill_repo says indexed at that rev or later) and has
// not failed is pushed once, and marked queued in backfill_repo. Inactive repos are applied as
// repo_status. The page cursor and the end of the listing are saved in backfill_enum after the
// page's repos are in the queue: a crash re-lists at most one page, which the queue deduplicates,
// and a finished enumeration is not walked again unless asked.
// Thread-safety: one instance per thread (it uses one PostgreSQL connection); blocks on HTTP.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "net/http_client.hpp"
#include "stages/batch_write/batch_applier.hpp"
#include "storage/pg/connection.hpp"
#include "storage/spill/keyed_spill_queue.hpp"

namespace stages::backfill {

struct EnumerateConfig {
    std::size_t page_limit = 1000;  // listRepos `limit`
    std::chrono::milliseconds page_timeout{60'000};
    std::size_t max_page_bytes = std::size_t{64} << 20;
    int attempts = 5;  // per page, with doubling backoff from retry_initial
    std::chrono::milliseconds retry_initial{1'000};
};

struct EnumerateSummary {
    bool already_finished = false;  // a previous run read the last page; nothing was fetched
    std::uint64_t pages = 0;
    std::uint64_t listed = 0;
    std::uint64_t queued = 0;    // pushed to repo_backfill
    std::uint64_t current = 0;   // already backfilled at the listed rev (or failed): not queued
    std::uint64_t inactive = 0;  // applied as repo_status
    std::uint64_t dropped = 0;   // malformed entries
};

// Pushes a page's chosen repos into repo_backfill: KeyedSpillQueue::push, or the backfill's own
// push, which holds back a repo a worker is fetching until that fetch is done.
using PushRepos = std::function<void(std::span<const storage::spill::KeyedPush>)>;

class RepoEnumerator {
public:
    RepoEnumerator(net::HttpClient& http, storage::pg::Connection& conn, PushRepos push, const EnumerateConfig& config);

    // `base_url`: scheme://host[:port] of the relay or PDS; its state key is backfill_enum:{host}.
    // `again`: enumerate even when a previous run finished (from the first page).
    // Error: a page that failed every attempt, or a malformed page (the cursor stays where it was).
    [[nodiscard]] common::Result<EnumerateSummary> run(std::string_view base_url, std::stop_token stop,
                                                       bool again = false);

    [[nodiscard]] static std::string state_key(std::string_view base_url);

private:
    common::Result<std::string> fetch_page(std::string_view base_url, const std::optional<std::string>& cursor,
                                           std::stop_token stop);
    void queue_page(const struct ListReposPage& page, EnumerateSummary& summary);
    void save(const std::string& key, const std::optional<std::string>& cursor, std::uint64_t listed, bool finished);

    net::HttpClient& http_;
    storage::pg::Connection& conn_;
    PushRepos push_;
    const EnumerateConfig& config_;
    batch_write::BatchApplier applier_;
};

}  // namespace stages::backfill
