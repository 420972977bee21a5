#include "stages/backfill/repo_enumerator.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <utility>

#include <fmt/core.h>

#include "common/stoppable_sleep.hpp"
#include "net/percent_encode.hpp"
#include "stages/backfill/list_repos_page.hpp"
#include "storage/pg/text_array.hpp"

namespace stages::backfill {

using storage::pg::text_array;

RepoEnumerator::RepoEnumerator(net::HttpClient& http, storage::pg::Connection& conn, PushRepos push,
                               const EnumerateConfig& config)
    : http_(http), conn_(conn), push_(std::move(push)), config_(config), applier_(conn) {}

std::string RepoEnumerator::state_key(std::string_view base_url) {
    const auto scheme = base_url.find("://");
    auto host = scheme == std::string_view::npos ? base_url : base_url.substr(scheme + 3);
    while (host.ends_with('/')) host.remove_suffix(1);
    return fmt::format("backfill_enum:{}", host);
}

common::Result<std::string> RepoEnumerator::fetch_page(std::string_view base_url,
                                                       const std::optional<std::string>& cursor,
                                                       std::stop_token stop) {
    net::HttpRequest request;
    request.url = fmt::format("{}/xrpc/com.atproto.sync.listRepos?limit={}", base_url, config_.page_limit);
    if (cursor) request.url += "&cursor=" + net::percent_encode(*cursor);
    request.timeout = config_.page_timeout;
    request.max_body_bytes = config_.max_page_bytes;
    std::string last_error;
    auto delay = config_.retry_initial;
    for (int attempt = 0; attempt < config_.attempts; ++attempt) {
        if (attempt > 0 && !common::sleep_unless_stopped(delay, stop)) return common::fail("stopped");
        auto result = http_.fetch(request).get();
        if (result && result->status == 200) return std::move(result->body);
        if (!result) {
            last_error = fmt::format("{}: {}", net::to_string(result.error().kind), result.error().message);
        } else {
            last_error = fmt::format("HTTP {}", result->status);
            if (result->retry_after) delay = std::max<std::chrono::milliseconds>(delay, *result->retry_after);
        }
        delay *= 2;
    }
    return common::fail(fmt::format("{}: {}", request.url, last_error));
}

void RepoEnumerator::queue_page(const ListReposPage& page, EnumerateSummary& summary) {
    std::vector<std::string> dids, revs;
    std::vector<classify::StagedOp> inactive;
    for (const auto& repo : page.repos) {
        if (repo.active) {
            dids.push_back(repo.did);
            revs.push_back(repo.rev);
            continue;
        }
        classify::StagedOp op;
        op.kind = classify::OpKind::repo_status;
        op.did = repo.did;
        op.cid = repo.head;
        op.rev = repo.rev;
        op.extra = repo.status.value_or("inactive");
        inactive.push_back(std::move(op));
    }
    if (!inactive.empty()) applier_.apply(inactive, {});
    summary.inactive += inactive.size();
    if (dids.empty()) return;
    // Listed repos that are not backfilled at that rev (or later) and have not failed, marked queued
    // in the same statement, before they are queued. A mark is made only on the row version the
    // choice saw: a worker that indexed the repo since (it was in flight, queued by a #sync) keeps
    // its state, which a later mark would overwrite while a push that the key in flight absorbed
    // added nothing, leaving the repo marked queued with nothing in the queue. (The daemon's push
    // holds such a repo back until its fetch is done, then queues it: that fetch may predate the
    // listed rev.)
    auto todo = conn_.exec_params(
        "WITH todo AS (SELECT d.did, b.updated_at AS seen FROM unnest($1::text[], $2::text[]) AS d(did, rev) "
        "LEFT JOIN bsky.backfill_repo b ON b.did = d.did "
        "WHERE (b.status = 'failed' OR (b.status = 'indexed' AND b.rev >= d.rev)) IS NOT TRUE), "
        "marked AS (INSERT INTO bsky.backfill_repo AS b (did, status) SELECT did, 'queued' FROM todo "
        "ON CONFLICT (did) DO UPDATE SET status = 'queued', updated_at = now() "
        "WHERE b.status IN ('indexed', 'inactive') "
        "AND b.updated_at = (SELECT t.seen FROM todo t WHERE t.did = excluded.did)) "
        "SELECT did FROM todo",
        {text_array(dids), text_array(revs)}, "selecting repos to backfill");
    std::vector<std::string> keys;
    for (int row = 0; row < todo.rows(); ++row) keys.emplace_back(todo.value(row, 0));
    std::vector<storage::spill::KeyedPush> pushes;  // views of `keys`
    for (const auto& k : keys) pushes.push_back({k, storage::spill::Priority::normal});
    push_(pushes);
    summary.queued += keys.size();
    summary.current += dids.size() - keys.size();
}

void RepoEnumerator::save(const std::string& key, const std::optional<std::string>& cursor, std::uint64_t listed,
                          bool finished) {
    conn_.exec_params(
        "INSERT INTO bsky.backfill_enum AS e (service, cursor, listed, finished_at) "
        "VALUES ($1, $2, $3, CASE WHEN $4::boolean THEN now() END) "
        "ON CONFLICT (service) DO UPDATE SET cursor = excluded.cursor, listed = excluded.listed, "
        "finished_at = excluded.finished_at, updated_at = now()",
        {key, cursor, std::to_string(listed), finished ? "true" : "false"}, "saving an enumeration cursor");
}

common::Result<EnumerateSummary> RepoEnumerator::run(std::string_view base_url, std::stop_token stop, bool again) {
    EnumerateSummary summary;
    const auto key = state_key(base_url);
    std::optional<std::string> cursor;
    auto state = conn_.exec_params("SELECT cursor, listed, finished_at IS NOT NULL FROM bsky.backfill_enum "
                                   "WHERE service = $1", {key}, "loading an enumeration cursor");
    std::uint64_t listed = 0;
    if (state.rows() == 1) {
        if (state.value(0, 2) == "t" && !again) {
            summary.already_finished = true;
            return summary;
        }
        if (state.value(0, 2) != "t") {
            if (auto saved = state.optional_value(0, 0)) cursor = std::string(*saved);
            listed = std::stoull(std::string(state.value(0, 1)));
        }
    }
    while (!stop.stop_requested()) {
        auto body = fetch_page(base_url, cursor, stop);
        if (!body) return tl::unexpected(body.error());
        auto page = parse_list_repos_page(*body);
        if (!page) return common::fail(fmt::format("{}: {}", key, page.error().message));
        ++summary.pages;
        summary.listed += page->repos.size();
        summary.dropped += page->dropped;
        listed += page->repos.size();
        queue_page(*page, summary);
        const bool finished = !page->cursor || page->repos.empty();
        save(key, finished ? std::nullopt : page->cursor, listed, finished);
        if (finished) break;
        cursor = page->cursor;
    }
    return summary;
}

}  // namespace stages::backfill
