// BackfillIndexer's control thread: the start-up listings of every relay and queue_backfill's
// requests (wintermute.backfill_request) moved into repo_backfill (the class: backfill_indexer.hpp).
#include <fmt/core.h>

#include "common/stoppable_sleep.hpp"
#include "indexer/backfill_indexer.hpp"
#include "storage/pg/text_array.hpp"

namespace indexer {

namespace {

using storage::pg::text_array;
using storage::spill::KeyedPush;
using storage::spill::Priority;

Priority priority_of(std::string_view text) {
    if (text == "immediate") return Priority::immediate;
    if (text == "priority") return Priority::priority;
    return Priority::normal;
}

}  // namespace

void BackfillIndexer::control(std::stop_token stop) {
    bool enumerated = false;
    while (!stop.stop_requested()) {
        try {
            storage::pg::Connection conn(settings_.database_url);
            if (!enumerated) {
                // Requests first: what an operator asked for goes ahead of the listing.
                take_requests(conn, stop);
                for (const auto& base : settings_.enumerate) enumerate(conn, base, false, stop);
                enumerated = true;
                started_ = true;
            }
            while (!stop.stop_requested()) {
                take_requests(conn, stop);
                common::sleep_unless_stopped(settings_.request_poll, stop);
            }
        } catch (const std::exception& e) {
            logger_->error("backfill control: {}; again in 5 s", e.what());
            common::sleep_unless_stopped(std::chrono::seconds(5), stop);
        }
    }
}

void BackfillIndexer::enumerate(storage::pg::Connection& conn, const std::string& base, bool again,
                                std::stop_token stop) {
    // A listed repo a worker holds is queued again once that fetch is done, as a request is.
    auto push = [this](std::span<const KeyedPush> pushes) {
        std::size_t deferred = 0;
        push_after_flight(pushes, deferred);
    };
    stages::backfill::RepoEnumerator enumerator(*http_, conn, push, settings_.enumerate_config);
    const auto summary = enumerator.run(base, stop, again);
    if (!summary) {
        logger_->error("listRepos of {}: {}", base, summary.error().message);
    } else if (summary->already_finished) {
        logger_->info("listRepos of {}: enumerated before, not again", base);
    } else {
        logger_->info("listRepos of {}: {} pages, {} repos listed, {} queued, {} current, {} inactive", base,
                      summary->pages, summary->listed, summary->queued, summary->current, summary->inactive);
    }
}

void BackfillIndexer::take_requests(storage::pg::Connection& conn, std::stop_token stop) {
    auto rows = conn.exec("SELECT id, kind, coalesce(did, ''), coalesce(host, ''), priority "
                          "FROM wintermute.backfill_request ORDER BY id LIMIT 10000",
                          "reading backfill requests");
    if (rows.rows() == 0) return;
    std::string ids;
    std::vector<std::string> dids;
    std::vector<Priority> levels;
    for (int row = 0; row < rows.rows(); ++row) {
        ids += (ids.empty() ? "" : ",") + std::string(rows.value(row, 0));
        const auto kind = rows.value(row, 1);
        if (kind == "did") {
            dids.emplace_back(rows.value(row, 2));
            levels.push_back(priority_of(rows.value(row, 4)));
        } else if (kind == "pds") {
            const std::string host(rows.value(row, 3));
            enumerate(conn, host.find("://") == std::string::npos ? "https://" + host : host, true, stop);
        } else if (kind == "retry_failed") {
            auto failed = conn.exec("SELECT did FROM bsky.backfill_repo WHERE status = 'failed'", "listing failures");
            for (int f = 0; f < failed.rows(); ++f) {
                dids.emplace_back(failed.value(f, 0));
                levels.push_back(Priority::normal);
            }
        }
    }
    // Marked before they are queued, as RepoEnumerator does: a repo indexed between the push and
    // the mark would otherwise stay marked queued with nothing in the queue.
    conn.exec_params("INSERT INTO bsky.backfill_repo AS b (did, status) SELECT DISTINCT unnest($1::text[]), 'queued' "
                     "ON CONFLICT (did) DO UPDATE SET status = 'queued', updated_at = now() "
                     "WHERE b.status <> 'fetching'",
                     {text_array(dids)}, "marking requested repos queued");
    std::vector<KeyedPush> pushes;
    for (std::size_t i = 0; i < dids.size(); ++i) pushes.push_back({dids[i], levels[i]});
    // A repo a worker holds is queued again once its fetch is done (the fetch may predate the
    // request); pushed now, the key it holds would absorb the push and go with the fetch's ack.
    std::size_t deferred = 0;
    push_after_flight(pushes, deferred);
    conn.exec_params("DELETE FROM wintermute.backfill_request WHERE id = ANY($1::bigint[])", {"{" + ids + "}"},
                     "removing taken backfill requests");
    metrics_.requests += static_cast<std::uint64_t>(rows.rows());
    logger_->info("queue_backfill: {} requests taken, {} repos queued ({} after their fetch in flight)", rows.rows(),
                  dids.size(), deferred);
}


}  // namespace indexer
