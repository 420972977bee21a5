#include "indexer/backfill_writer.hpp"

#include <algorithm>

#include "common/stoppable_sleep.hpp"
#include "storage/pg/error.hpp"

namespace indexer {

namespace {

using stages::batch_write::RepoOutcome;
using storage::spill::KeyedPush;
using storage::spill::Priority;

}  // namespace

BackfillWriter::BackfillWriter(const BackfillWriterConfig& config, storage::spill::KeyedSpillQueue& queue,
                               BackfillWriterMetrics& metrics, std::shared_ptr<spdlog::logger> log)
    : config_(config), queue_(queue), metrics_(metrics), log_(std::move(log)),
      thread_([this](std::stop_token stop) { run(stop); }) {}

BackfillWriter::~BackfillWriter() {
    thread_.request_stop();
    changed_.notify_all();
}

void BackfillWriter::push(RepoJob&& job, const std::stop_token& stop) {
    std::unique_lock lock(mutex_);
    // One job always gets in, however large, so a huge repo cannot wait forever.
    changed_.wait(lock, stop, [&] { return waiting_.empty() || waiting_ops_ < config_.max_waiting_ops; });
    if (stop.stop_requested()) return;
    waiting_ops_ += job.ops.size();
    waiting_.push_back(std::move(job));
    ++pushed_;
    changed_.notify_all();
}

std::size_t BackfillWriter::waiting_ops() {
    std::lock_guard lock(mutex_);
    return waiting_ops_;
}

bool BackfillWriter::settle(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (finished_.load() < pushed_.load()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

void BackfillWriter::run(std::stop_token stop) {
    while (!stop.stop_requested()) {
        std::optional<RepoJob> job;
        {
            std::unique_lock lock(mutex_);
            changed_.wait_for(lock, stop, std::chrono::milliseconds(100), [&] { return !waiting_.empty(); });
            if (!waiting_.empty()) {
                job = std::move(waiting_.front());
                waiting_.pop_front();
                waiting_ops_ -= job->ops.size();
                changed_.notify_all();
            }
        }
        if (job) add(std::move(*job), stop);
        else if (!batch_.empty()) commit(stop);
    }
}

void BackfillWriter::add(RepoJob&& job, std::stop_token stop) {
    open_.push_back(job.did);
    for (auto& op : job.ops) {
        batch_.push_back(std::move(op));
        if (batch_.size() >= config_.batch_ops && !commit(stop)) return;
    }
    bool idle = false;
    {
        std::lock_guard lock(mutex_);
        idle = waiting_.empty();
    }
    if (idle) commit(stop);
}

bool BackfillWriter::commit(std::stop_token stop) {
    auto delay = config_.retry_initial;
    while (!stop.stop_requested()) {
        try {
            if (!conn_) {
                conn_.emplace(config_.database_url);
                applier_.emplace(*conn_);
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
                if (!common::sleep_unless_stopped(delay, stop)) return false;
                delay = std::min(delay * 2, config_.retry_max);
                return false;
            }
            if (!common::sleep_unless_stopped(delay, stop)) return false;
            delay = std::min(delay * 2, config_.retry_max);
        } catch (const std::exception& e) {
            // Cannot connect at all (the constructor throws): keep the batch and try again.
            log_->error("backfill writer cannot connect, retrying in {} ms: {}", delay.count(), e.what());
            applier_.reset();
            conn_.reset();
            if (!common::sleep_unless_stopped(delay, stop)) return false;
            delay = std::min(delay * 2, config_.retry_max);
        }
    }
    return false;
}

void BackfillWriter::after_commit(const stages::batch_write::BatchResult& result) {
    std::vector<std::string> done;
    std::vector<KeyedPush> again;
    for (const auto& repo : result.repos) {
        std::erase(open_, repo.did);
        switch (repo.outcome) {
            case RepoOutcome::indexed: ++metrics_.indexed; done.push_back(repo.did); break;
            case RepoOutcome::inactive: ++metrics_.inactive; done.push_back(repo.did); break;
            case RepoOutcome::failed: ++metrics_.failed; done.push_back(repo.did); break;
            case RepoOutcome::stale:
            case RepoOutcome::incomplete:
                log_->info("backfill of {} {}: queued again", repo.did, repo.detail);
                ++metrics_.requeued;
                again.push_back({repo.did, Priority::priority});
                break;
        }
    }
    queue_.ack(done);
    queue_.requeue(again);
    finished_ += done.size() + again.size();
}

void BackfillWriter::connection_lost() {
    // The session's staging tables went with the connection: its open repos start again.
    std::vector<KeyedPush> again;
    for (const auto& did : open_) again.push_back({did, Priority::priority});
    queue_.requeue(again);
    metrics_.requeued += again.size();
    finished_ += again.size();
    open_.clear();
    batch_.clear();
    applier_.reset();
    conn_.reset();
}

void BackfillWriter::refused(const std::string& error) {
    // The database refused the data itself; the same repos would be refused again.
    log_->error("backfill batch refused, its {} repos fail: {}", open_.size(), error);
    for (const auto& did : open_) {
        conn_->exec_params("SELECT wintermute.set_backfill_status($1, 'failed', NULL, $2)", {did, error},
                           "recording a refused repo");
    }
    metrics_.failed += open_.size();
    queue_.ack(open_);
    finished_ += open_.size();
    open_.clear();
    batch_.clear();
}

}  // namespace indexer
