// BatchWriteStage: the sink of the live path. Restores each source's arrival order, groups the
// events into batches and writes each batch in one transaction with its sources' cursors
// (BatchApplier). With several writer lanes, a large batch's independent events are first applied
// on the lanes' own connections in parallel, then the rest in order with the cursors (LaneSplit,
// docs/indexing.md "Writer lanes"); that ordered part is applied on a connection and thread of its
// own while the stage goes on collecting the next batch and running its lanes. A lost database
// connection is retried with backoff until it commits; meanwhile the stage does not return, so the
// queues fill and the sockets stop reading. Nothing is reported as committed (cursors, identity
// requests, re-syncs) before the commit.
// Thread-safety: one instance (one worker). The hooks are called on one thread at a time: the
// stage's with one lane, the ordered part's with several.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "pipeline/stage.hpp"
#include "stages/batch_write/batch_applier.hpp"
#include "stages/batch_write/lane_split.hpp"
#include "stages/batch_write/lane_thread.hpp"
#include "stages/batch_write/reorder_buffer.hpp"
#include "stages/batch_write/writer_inbox.hpp"
#include "stages/batch_write/writer_session.hpp"

namespace stages::batch_write {

struct BatchWriteConfig {
    std::string database_url;
    std::size_t max_batch_ops = 5000;  // write early when this many ops are ready
    std::size_t lanes = 1;             // connections applying a batch's independent events in parallel
    std::size_t lane_min_ops = 256;    // smaller batches are written in one transaction
    std::size_t lane_min_percent = 25; // and so are batches whose lanes would take less of the ops
    std::chrono::milliseconds retry_initial{250};
    std::chrono::milliseconds retry_max{30'000};
};

struct BatchWriteMetrics {
    std::atomic<std::uint64_t> batches{0}, events{0}, ops{0}, stale_writes{0}, accounts_ignored{0};
    std::atomic<std::uint64_t> refused_rows{0}, retries{0}, commit_micros{0};
    std::atomic<std::uint64_t> poison_events{0};  // events the database refused; skipped, logged
    std::atomic<std::uint64_t> lane_ops{0};       // ops committed on the parallel lanes
    std::atomic<std::uint64_t> lane_give_ways{0};  // lane parts applied in order instead (BatchApplier::Mode)
    std::atomic<bool> connected{false};            // lane 0's connection (the ordered part's) is open
    std::atomic<std::uint32_t> connections{0};    // the lanes' open connections
};

struct WriterHooks {
    // After a commit: the highest committed seq of a source (for reconnects and health).
    std::function<void(std::uint32_t source, std::int64_t seq)> committed;
    // After a commit: identities to (re)index and deletions to confirm.
    std::function<void(std::vector<classify::IdentityRequest>&&, std::vector<classify::DeletionRequest>&&)> identity;
    // After a commit: repos to re-fetch.
    std::function<void(std::vector<std::string>&&)> resync;
    // After a commit: each event's time from arrival to commit.
    std::function<void(std::chrono::steady_clock::duration)> lag;
    // After a commit: how many of a source's frames it finished (every frame read gives one event).
    std::function<void(std::uint32_t source, std::uint64_t events)> events;
};

class BatchWriteStage {
public:
    using In = classify::ClassifiedEvent;
    using Out = pipeline::Nothing;

    // `cursor_keys[i]` is source i's key in sub_state. `abort` ends the retry loop on a hard stop.
    // `sessions` are connections opened in advance (open_writer_sessions), used in that order; the
    // writer opens the ones missing or closed at their first commit.
    BatchWriteStage(const BatchWriteConfig& config, std::vector<std::string> cursor_keys, WriterInbox& inbox,
                    WriterHooks hooks, BatchWriteMetrics& metrics, std::stop_token abort,
                    std::shared_ptr<spdlog::logger> log, std::vector<std::unique_ptr<WriterSession>> sessions = {});

    BatchWriteStage(BatchWriteStage&&) = delete;
    ~BatchWriteStage();  // waits for the ordered part in flight

    pipeline::Outcome process(In&& event, pipeline::Emit<Out>& emit);
    void flush(pipeline::Emit<Out>& emit);

private:
    enum class Commit : std::uint8_t { done, aborted, refused, gave_way };

    // A batch on its way: its lanes' events applied, its ordered part to apply.
    struct Batch {
        std::vector<classify::ClassifiedEvent> events;
        std::vector<classify::StagedOp> inbox;  // identity results: first in the ordered part
        std::vector<std::size_t> in_order;      // the events of the ordered part, in order
        std::vector<CursorUpdate> cursors;
        LaneNotes notes;                        // what the ordered part holds back (pipelined only)
    };

    [[nodiscard]] bool pipelined() const noexcept { return ordered_thread_ != nullptr; }
    void write();
    // Applies the batch's independent events on the lanes and leaves the rest for the ordered
    // part; false if aborted.
    bool write_lanes(Batch& batch, std::size_t batch_ops);
    // Applies the ordered part and, once committed, reports the batch (after_commit).
    void write_ordered(Batch& batch);
    // Waits for the ordered part in flight, if any.
    void wait_ordered();
    // Applies the inbox's ops and the batch's events `in_order` (in order) with its cursors; false
    // if aborted.
    bool write_in_order(Batch& batch);
    // Retries connection losses until it commits or the stage is aborted; `refused` when the
    // database rejects the data itself (a bug or an unforeseen input), which retrying cannot fix.
    Commit commit(WriterSession& lane, OpParts ops, const std::vector<CursorUpdate>& cursors,
                  BatchApplier::Mode mode = BatchApplier::Mode::ordered);
    // After a refused batch: commits the inbox's ops one by one, then the ordered part event by
    // event, and skips (logs, counts) the ones refused. False if aborted.
    bool write_one_by_one(const Batch& batch);
    std::vector<CursorUpdate> cursor_of(const classify::ClassifiedEvent& event) const;
    void report_committed(const std::vector<CursorUpdate>& cursors);
    void after_commit(Batch& batch);

    const BatchWriteConfig& config_;
    std::vector<std::string> cursor_keys_;
    WriterInbox& inbox_;
    WriterHooks hooks_;
    BatchWriteMetrics& metrics_;
    std::stop_token abort_;
    std::shared_ptr<spdlog::logger> log_;
    std::vector<ReorderBuffer> reorder_;
    std::vector<classify::ClassifiedEvent> ready_;
    std::size_t ready_ops_ = 0;
    // The ordered parts' connection, then with several lanes one per lane: lane 0's part runs on
    // the stage's thread, the others' on lane_threads_, the ordered parts on ordered_thread_.
    std::vector<std::unique_ptr<WriterSession>> lanes_;
    std::vector<std::unique_ptr<LaneThread>> lane_threads_;
    std::unique_ptr<Batch> in_flight_;             // the batch whose ordered part ordered_thread_ runs
    std::unique_ptr<LaneThread> ordered_thread_;  // with several lanes; last: its task uses the above
};

}  // namespace stages::batch_write
