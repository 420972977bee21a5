#include "indexer/backfill_writer.hpp"

#include <algorithm>

#include "common/stoppable_sleep.hpp"
#include "common/thread_name.hpp"
#include "storage/pg/error.hpp"

namespace indexer {

namespace {

using stages::batch_write::RepoOutcome;
using stages::classify::OpKind;
using storage::spill::KeyedPush;
using storage::spill::Priority;

}  // namespace

BackfillWriter::BackfillWriter(const BackfillWriterConfig& config, BackfillWriterMetrics& metrics,
                               std::shared_ptr<spdlog::logger> log, ReleaseKeys release)
    : config_(config), metrics_(metrics), log_(std::move(log)), release_(std::move(release)) {
    std::filesystem::create_directories(config_.spill_dir);
    // Durability buys nothing here: what a crash leaves is dropped at the next start.
    spill_ = std::make_unique<storage::spill::SpillQueue>(
        storage::spill::SpillConfig{.path = config_.spill_dir, .durability = storage::spill::Durability::nosync});
    drop_leftovers();
    overflow_ = std::make_unique<Overflow>(std::max<std::size_t>(config_.memory_ops, 1), *spill_);
    thread_ = std::jthread([this](std::stop_token stop) {
        common::name_this_thread("backfill-wr");
        run(stop);
    });
}

BackfillWriter::~BackfillWriter() {
    thread_.request_stop();
    drained_.notify_all();
    if (thread_.joinable()) thread_.join();
    close_session();
}

// A killed run's streams are partial and their repos were never acknowledged in repo_backfill
// (or were, after their last batch committed): either way the ops must not be applied again.
void BackfillWriter::drop_leftovers() {
    std::uint64_t dropped = 0;
    for (auto items = spill_->lease(4096); !items.empty(); items = spill_->lease(4096)) {
        std::vector<std::uint64_t> ids;
        for (const auto& item : items) ids.push_back(item.id);
        spill_->ack(ids);
        dropped += ids.size();
    }
    metrics_.dropped_at_start += dropped;
    if (dropped > 0) {
        log_->warn("firehose_backfill: dropped {} ops an earlier run left; their repos are fetched again", dropped);
    }
}

std::uint64_t BackfillWriter::begin_stream() {
    ++begun_;
    return next_stream_++;
}

void BackfillWriter::push(std::uint64_t stream, std::vector<stages::classify::StagedOp>&& ops) {
    std::vector<BackfillItem> items;
    items.reserve(ops.size());
    for (auto& op : ops) items.push_back(BackfillItem{stream, std::move(op)});
    held_ += items.size();
    overflow_->push(std::move(items));
}

bool BackfillWriter::wait_below_high_water(const std::stop_token& stop) {
    std::unique_lock lock(mutex_);
    const bool below = drained_.wait(lock, stop, [&] { return held_.load() <= config_.max_waiting_ops; });
    return below && !stop.stop_requested();
}

bool BackfillWriter::settle(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (finished_.load() < begun_.load()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

void BackfillWriter::run(std::stop_token stop) {
    using std::chrono::milliseconds;
    while (!stop.stop_requested()) {
        auto delivery = overflow_->pop_for(batch_.empty() ? milliseconds(100) : config_.linger, stop);
        if (delivery) take(std::move(*delivery), stop);
        else if (!batch_.empty()) commit(stop);
    }
}

void BackfillWriter::take(storage::spill::Delivery<BackfillItem>&& delivery, std::stop_token stop) {
    if (held_.fetch_sub(1) - 1 == config_.max_waiting_ops) {
        std::lock_guard lock(mutex_);
        drained_.notify_all();
    }
    if (delivery.spill_id) spill_ids_.push_back(*delivery.spill_id);
    auto& [stream, op] = delivery.item;
    const bool end = op.kind == OpKind::repo_end;
    if (skipped_.contains(stream)) {
        ++metrics_.skipped_ops;
        if (end) skipped_.erase(stream);
        return;
    }
    auto& open = open_.try_emplace(stream, Open{op.did}).first->second;
    open.ended = open.ended || end;
    batch_.push_back(std::move(op));
    if (batch_.size() >= config_.batch_ops) commit(stop);
}

bool BackfillWriter::commit(std::stop_token stop) {
    auto delay = config_.retry_initial;
    while (!stop.stop_requested()) {
        try {
            if (!conn_) {
                conn_.emplace(config_.database_url);
                applier_.emplace(*conn_);
                ++metrics_.connections;
            }
            const auto start = std::chrono::steady_clock::now();
            const auto result = applier_->apply(batch_, {});
            metrics_.apply_micros += static_cast<std::uint64_t>(
                std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count());
            ++metrics_.batches;
            metrics_.ops += batch_.size();
            batch_.clear();
            after_commit(result);
            return true;
        } catch (const storage::pg::PgError& e) {
            ++metrics_.retries;
            const bool connected = conn_ && conn_->ok();
            if (connected && e.sqlstate().starts_with("40")) {
                log_->warn("backfill batch of {} ops hit {}; retrying on the same connection", batch_.size(), e.what());
            } else if (connected) {
                refused(e.what());
                return false;
            } else {
                log_->error("backfill writer lost its connection, retrying in {} ms: {}", delay.count(), e.what());
                connection_lost();
                common::sleep_unless_stopped(delay, stop);
                return false;
            }
            if (!common::sleep_unless_stopped(delay, stop)) return false;
            delay = std::min(delay * 2, config_.retry_max);
        } catch (const std::exception& e) {
            // Cannot connect at all (the constructor throws): keep the batch and try again.
            log_->error("backfill writer cannot connect, retrying in {} ms: {}", delay.count(), e.what());
            close_session();
            if (!common::sleep_unless_stopped(delay, stop)) return false;
            delay = std::min(delay * 2, config_.retry_max);
        }
    }
    return false;
}

void BackfillWriter::after_commit(const stages::batch_write::BatchResult& result) {
    std::vector<std::string> done_dids;
    std::vector<KeyedPush> again;
    for (const auto& repo : result.repos) {
        std::erase_if(open_, [&](const auto& entry) { return entry.second.did == repo.did && entry.second.ended; });
        switch (repo.outcome) {
            case RepoOutcome::indexed: ++metrics_.indexed; done_dids.push_back(repo.did); break;
            case RepoOutcome::inactive: ++metrics_.inactive; done_dids.push_back(repo.did); break;
            case RepoOutcome::failed: ++metrics_.failed; done_dids.push_back(repo.did); break;
            case RepoOutcome::stale:
            case RepoOutcome::incomplete:
                log_->info("backfill of {} {}: queued again", repo.did, repo.detail);
                ++metrics_.requeued;
                again.push_back({repo.did, Priority::priority});
                break;
        }
    }
    overflow_->ack(spill_ids_);
    spill_ids_.clear();
    done(done_dids, again);
}

// Every repo begun on this session gives up its place: the rest of its stream is dropped.
void BackfillWriter::abandon_open(std::vector<std::string>& dids) {
    for (const auto& [stream, open] : open_) {
        dids.push_back(open.did);
        if (!open.ended) skipped_.insert(stream);
    }
    open_.clear();
    batch_.clear();
    overflow_->ack(spill_ids_);
    spill_ids_.clear();
}

void BackfillWriter::connection_lost() {
    // The session's staging tables went with the connection: its open repos start again.
    std::vector<std::string> dids;
    abandon_open(dids);
    std::vector<KeyedPush> again;
    for (const auto& did : dids) again.push_back({did, Priority::priority});
    metrics_.requeued += again.size();
    close_session();
    done({}, again);
}

void BackfillWriter::close_session() {
    if (applier_) --metrics_.connections;
    applier_.reset();
    conn_.reset();
}

void BackfillWriter::refused(const std::string& error) {
    // The database refused the data itself; the same repos would be refused again.
    std::vector<std::string> dids;
    abandon_open(dids);
    log_->error("backfill batch refused, its {} repos fail: {}", dids.size(), error);
    for (const auto& did : dids) {
        conn_->exec_params("SELECT wintermute.set_backfill_status($1, 'failed', NULL, $2)", {did, error},
                           "recording a refused repo");
    }
    metrics_.failed += dids.size();
    done(dids, {});
}

void BackfillWriter::done(std::span<const std::string> acked, std::span<const KeyedPush> requeued) {
    // Released first: settle() must not see the repos finished before a deferred request is queued.
    release_(acked, requeued);
    finished_ += acked.size() + requeued.size();
}

}  // namespace indexer
