// BackfillWriter: the backfill's own database writer, never the live writer's connection, so a
// backfill never delays the live path. Repos arrive whole (RepoJob: the actor op, repo_begin,
// records, repo_end) from the fetch workers through a channel bounded in ops; the writer groups
// them into batches of about batch_size ops (a large repo spans several transactions of its one
// session) and acknowledges a repo's key in repo_backfill only once its repo_end committed:
// indexed, inactive and failed are done; stale and incomplete go back to the queue with priority.
// Deadlocks are retried on the same connection; a lost connection re-queues the repos it held.
// Thread-safety: push() from any thread; the writer runs on its own thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/logger.h>

#include "stages/batch_write/batch_applier.hpp"
#include "storage/spill/keyed_spill_queue.hpp"

namespace indexer {

struct RepoJob {
    std::string did;
    std::vector<stages::classify::StagedOp> ops;
};

struct BackfillWriterConfig {
    std::string database_url;
    std::size_t batch_ops = 5000;
    std::size_t max_waiting_ops = 100'000;  // fetch workers block beyond this (BACKFILLER_OUTPUT_HIGH_WATER_MARK)
    std::chrono::milliseconds retry_initial{250};
    std::chrono::milliseconds retry_max{30'000};
};

struct BackfillWriterMetrics {
    std::atomic<std::uint64_t> batches{0}, ops{0}, indexed{0}, inactive{0}, failed{0}, requeued{0}, retries{0};
    std::atomic<std::uint64_t> apply_micros{0};  // inside BatchApplier::apply (COPY, apply_batch, commit)
};

class BackfillWriter {
public:
    BackfillWriter(const BackfillWriterConfig& config, storage::spill::KeyedSpillQueue& queue,
                   BackfillWriterMetrics& metrics, std::shared_ptr<spdlog::logger> log);
    ~BackfillWriter();  // stops at once: what is not committed stays leased and comes back on restart

    // Blocks while the channel holds more than max_waiting_ops (unless stop is requested).
    void push(RepoJob&& job, const std::stop_token& stop);
    // Ops pushed and not yet taken into a batch (firehose_backfill's depth).
    [[nodiscard]] std::size_t waiting_ops();
    // Waits until every pushed job is committed (tests, graceful stop) or `timeout` passes.
    bool settle(std::chrono::milliseconds timeout);

private:
    void run(std::stop_token stop);
    void add(RepoJob&& job, std::stop_token stop);
    bool commit(std::stop_token stop);
    void after_commit(const stages::batch_write::BatchResult& result);
    void connection_lost();
    void refused(const std::string& error);

    const BackfillWriterConfig& config_;
    storage::spill::KeyedSpillQueue& queue_;
    BackfillWriterMetrics& metrics_;
    std::shared_ptr<spdlog::logger> log_;

    std::mutex mutex_;
    std::condition_variable_any changed_;
    std::deque<RepoJob> waiting_;
    std::size_t waiting_ops_ = 0;
    std::atomic<std::uint64_t> pushed_{0}, finished_{0};

    // Writer thread only.
    std::optional<storage::pg::Connection> conn_;
    std::optional<stages::batch_write::BatchApplier> applier_;
    std::vector<stages::classify::StagedOp> batch_;
    std::vector<std::string> open_;  // repos begun on this session whose repo_end has not committed
    std::jthread thread_;
};

}  // namespace indexer
