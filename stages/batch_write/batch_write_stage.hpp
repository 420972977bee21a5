// BatchWriteStage: the sink of the live path. Restores each source's arrival order, groups the
// events into batches and writes each batch in one transaction with its sources' cursors
// (BatchApplier). With several writer lanes, a large batch's independent events are first applied
// on the lanes' own connections in parallel, then the rest in order with the cursors (LaneSplit,
// docs/indexing.md "Writer lanes"). Each lane and the ordered part then have a thread and a
// connection of their own, and the stage's thread only splits batches and hands them on: a lane
// goes on to its part of the next batch as soon as it finished this one, without waiting for the
// other lanes, while the ordered part waits for its own batch's lanes. A lost database connection
// is retried with backoff until it commits; meanwhile the batches in flight do not finish, so the
// stage stops taking input, the queues fill and the sockets stop reading. Nothing is reported as
// committed (cursors, identity requests, re-syncs) before the commit.
// Thread-safety: one instance (one worker). The hooks are called on one thread at a time: the
// stage's with one lane, the ordered part's with several.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/logger.h>

#include "pipeline/stage.hpp"
#include "stages/batch_write/batch_applier.hpp"
#include "stages/batch_write/lane_split.hpp"
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
    std::atomic<bool> connected{false};            // the ordered part's connection (the first) is open
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
    ~BatchWriteStage();  // waits for the batches in flight

    pipeline::Outcome process(In&& event, pipeline::Emit<Out>& emit);
    void flush(pipeline::Emit<Out>& emit);

private:
    enum class Commit : std::uint8_t { done, aborted, refused, gave_way };

    // A batch on its way. With several lanes it is shared: the stage's thread fills and splits it,
    // then the lane threads apply their parts and the ordered thread the rest (`mutex_` guards the
    // members marked so; the others are written before the batch is handed on, or by one thread).
    struct Batch {
        std::uint64_t number = 0;  // 1, 2, … in the order the batches are handed on
        std::vector<classify::ClassifiedEvent> events;
        std::vector<classify::StagedOp> inbox;  // identity results: first in the ordered part
        std::vector<CursorUpdate> cursors;
        std::vector<std::size_t> part;          // each event's lane, or the lane count for the ordered part
        std::vector<std::vector<std::span<const classify::StagedOp>>> lane_parts;  // each lane's events' ops
        std::vector<Commit> lane_outcomes;      // mutex_
        std::size_t lanes_running = 0;          // mutex_: lanes that have not finished their part
        std::vector<std::size_t> in_order;      // the events of the ordered part, in order
        LaneNotes notes;                        // what the ordered part holds back (the stage's thread)
    };

    [[nodiscard]] bool pipelined() const noexcept { return !workers_.empty(); }
    void write();
    // Decides each event's part (LaneSplit, with the notes of the batch before if it is in flight).
    void split(Batch& batch, std::size_t batch_ops, LaneNotes carried) const;
    // The lane threads' loop: lane `lane`'s part of each batch in turn, on its own connection.
    void run_lane(std::size_t lane, const std::stop_token& stop);
    // The ordered thread's loop: each batch's ordered part once its lanes finished, then its hooks.
    void run_ordered(const std::stop_token& stop);
    // After the lanes: the ordered part is the dependent events and those of lanes that did not commit.
    void take_lane_outcomes(Batch& batch);
    [[nodiscard]] std::shared_ptr<Batch> in_flight(std::uint64_t number) const;
    // Applies the ordered part and, once committed, reports the batch (after_commit); false if aborted.
    bool write_ordered(Batch& batch);
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

    // Batches handed on and not yet committed: the stage splits the next one while one is in
    // flight, so a lane that finished its part goes on to the next batch's at once.
    static constexpr std::size_t max_in_flight = 2;

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
    // The ordered parts' connection, then with several lanes one per lane.
    std::vector<std::unique_ptr<WriterSession>> lanes_;

    std::mutex mutex_;
    std::condition_variable_any changed_;  // a batch handed on, a part finished, a batch committed, an abort
    std::deque<std::shared_ptr<Batch>> in_flight_;  // mutex_; oldest first
    std::uint64_t handed_on_ = 0;                    // mutex_: the last batch's number
    std::uint64_t committed_ = 0;                    // mutex_: the last committed batch's number
    bool aborted_ = false;                           // mutex_: a part saw the abort; nothing more commits
    std::optional<std::stop_callback<std::function<void()>>> wake_on_abort_;
    std::vector<std::jthread> workers_;  // with several lanes: one per lane, then the ordered part's; last
};

}  // namespace stages::batch_write
