#include "stages/batch_write/batch_write_stage.hpp"

#include <algorithm>
#include <utility>

#include "common/stoppable_sleep.hpp"
#include "common/thread_name.hpp"
#include "stages/batch_write/lane_split.hpp"
#include "storage/pg/error.hpp"

namespace stages::batch_write {

namespace {

std::size_t op_count(OpParts parts) {
    std::size_t count = 0;
    for (const auto& part : parts) count += part.size();
    return count;
}

}  // namespace

BatchWriteStage::BatchWriteStage(const BatchWriteConfig& config, std::vector<std::string> cursor_keys,
                                 WriterInbox& inbox, WriterHooks hooks, BatchWriteMetrics& metrics,
                                 std::stop_token abort, std::shared_ptr<spdlog::logger> log,
                                 std::vector<std::unique_ptr<WriterSession>> sessions)
    : config_(config), cursor_keys_(std::move(cursor_keys)), inbox_(inbox), hooks_(std::move(hooks)),
      metrics_(metrics), abort_(std::move(abort)), log_(std::move(log)), reorder_(cursor_keys_.size()),
      lanes_(std::move(sessions)) {
    lanes_.resize(writer_session_count(config_));
    for (std::size_t i = 0; i < lanes_.size(); ++i) {
        if (!lanes_[i]) lanes_[i] = std::make_unique<WriterSession>();
        if (!lanes_[i]->is_open()) continue;
        ++metrics_.connections;
        if (i == 0) metrics_.connected = true;
    }
    if (config_.lanes > 1) {
        wake_on_abort_.emplace(abort_, [this] {
            { std::lock_guard lock(mutex_); }  // a thread between its check and its wait sees the stop
            changed_.notify_all();
        });
        for (std::size_t lane = 0; lane < config_.lanes; ++lane) {
            workers_.emplace_back([this, lane](std::stop_token stop) {
                common::name_this_thread("lane");
                run_lane(lane, stop);
            });
        }
        workers_.emplace_back([this](std::stop_token stop) {
            common::name_this_thread("ordered");
            run_ordered(stop);
        });
    }
}

BatchWriteStage::~BatchWriteStage() {
    if (!pipelined()) return;
    std::unique_lock lock(mutex_);
    changed_.wait(lock, abort_, [this] { return in_flight_.empty() || aborted_; });
    // workers_, destroyed first, are asked to stop and joined.
}

pipeline::Outcome BatchWriteStage::process(In&& event, pipeline::Emit<Out>& /*emit*/) {
    if (event.source >= reorder_.size()) throw std::logic_error("event from an unknown source");
    const std::size_t before = ready_.size();
    reorder_[event.source].add(std::move(event), ready_);
    for (std::size_t i = before; i < ready_.size(); ++i) ready_ops_ += ready_[i].ops.size();
    if (ready_ops_ >= config_.max_batch_ops) write();
    return pipeline::Outcome::ok;
}

void BatchWriteStage::flush(pipeline::Emit<Out>& /*emit*/) { write(); }

void BatchWriteStage::write() {
    // Identity results first: they were resolved for events committed earlier.
    std::vector<classify::StagedOp> inbox;
    inbox_.drain(inbox);
    if (ready_.empty() && inbox.empty()) return;
    auto batch = std::make_shared<Batch>();
    batch->inbox = std::move(inbox);
    batch->events = std::move(ready_);
    ready_.clear();
    ready_.reserve(batch->events.size());  // the batch took the buffer: the next one grows to as many at once
    const std::size_t batch_ops = std::exchange(ready_ops_, 0);
    std::vector<std::optional<std::int64_t>> last_seq(cursor_keys_.size());
    for (const auto& event : batch->events) {
        if (event.seq) last_seq[event.source] = *event.seq;
    }
    for (std::size_t i = 0; i < last_seq.size(); ++i) {
        if (last_seq[i]) batch->cursors.push_back({cursor_keys_[i], *last_seq[i]});
    }
    if (!pipelined()) {
        for (std::size_t i = 0; i < batch->events.size(); ++i) batch->in_order.push_back(i);
        write_ordered(*batch);
        return;
    }
    std::shared_ptr<Batch> before;
    {
        std::unique_lock lock(mutex_);
        const bool room = changed_.wait(lock, abort_, [this] { return aborted_ || in_flight_.size() < max_in_flight; });
        if (!room || aborted_) return;  // aborted: nothing of it is reported
        if (!in_flight_.empty()) before = in_flight_.back();
    }
    // Only this thread reads a batch's notes: the one before's go to this split.
    split(*batch, batch_ops, before ? std::move(before->notes) : LaneNotes{});
    {
        std::lock_guard lock(mutex_);
        batch->number = ++handed_on_;
        in_flight_.push_back(std::move(batch));
    }
    changed_.notify_all();
}

void BatchWriteStage::split(Batch& batch, std::size_t batch_ops, LaneNotes carried) const {
    const auto& events = batch.events;
    LaneSplit split(config_.lanes, std::move(carried));
    split.note_dependent(batch.inbox);
    batch.part.assign(events.size(), split.dependent());
    std::size_t on_lanes = 0;
    for (std::size_t i = 0; i < events.size(); ++i) {
        batch.part[i] = split.next(events[i].ops);
        if (batch.part[i] != split.dependent()) on_lanes += events[i].ops.size();
    }
    // Small batches, and batches that mostly depend on themselves (a small network replying to
    // itself, as the test captures), are applied in one transaction: a second costs more than the
    // lanes save.
    if (batch_ops < config_.lane_min_ops || on_lanes * 100 < batch_ops * config_.lane_min_percent) {
        for (std::size_t i = 0; i < events.size(); ++i) {
            if (batch.part[i] == split.dependent()) continue;
            split.note_dependent(events[i].ops);
            batch.part[i] = split.dependent();
        }
    }
    // Each lane's part is its events' op vectors, in order, where they are.
    batch.lane_parts.assign(config_.lanes, {});
    for (std::size_t i = 0; i < events.size(); ++i) {
        if (batch.part[i] != split.dependent() && !events[i].ops.empty()) {
            batch.lane_parts[batch.part[i]].emplace_back(events[i].ops);
        }
    }
    batch.lane_outcomes.assign(config_.lanes, Commit::done);
    batch.lanes_running = config_.lanes;
    batch.notes = split.take_notes();
}

std::shared_ptr<BatchWriteStage::Batch> BatchWriteStage::in_flight(std::uint64_t number) const {
    for (const auto& batch : in_flight_) {
        if (batch->number == number) return batch;
    }
    return nullptr;
}

void BatchWriteStage::run_lane(std::size_t lane, const std::stop_token& stop) {
    // A part this lane could not commit went to its batch's ordered part, and the lane's part of
    // the next batch, split before that was known, may hold later events of the same repos: it
    // waits until that ordered part committed.
    std::uint64_t after = 0;
    for (std::uint64_t next = 1;; ++next) {
        std::shared_ptr<Batch> batch;
        {
            std::unique_lock lock(mutex_);
            const bool ready = changed_.wait(lock, stop, [&] {
                if (aborted_ || abort_.stop_requested()) return true;
                if (committed_ < after) return false;
                batch = in_flight(next);
                return batch != nullptr;
            });
            if (!ready || !batch) return;
        }
        const auto& ops = batch->lane_parts[lane];
        const Commit outcome = ops.empty() ? Commit::done : commit(*lanes_[lane + 1], ops, {}, BatchApplier::Mode::lane);
        {
            std::lock_guard lock(mutex_);
            batch->lane_outcomes[lane] = outcome;
            --batch->lanes_running;
            if (outcome == Commit::aborted) aborted_ = true;
            if (outcome != Commit::done) after = batch->number;
        }
        changed_.notify_all();
    }
}

void BatchWriteStage::run_ordered(const std::stop_token& stop) {
    for (;;) {
        std::shared_ptr<Batch> batch;
        {
            std::unique_lock lock(mutex_);
            const bool ready = changed_.wait(lock, stop, [this] {
                return aborted_ || (!in_flight_.empty() && in_flight_.front()->lanes_running == 0);
            });
            if (!ready || aborted_) return;
            batch = in_flight_.front();
        }
        take_lane_outcomes(*batch);
        const bool committed = write_ordered(*batch);
        {
            std::lock_guard lock(mutex_);
            if (committed) {
                in_flight_.pop_front();
                committed_ = batch->number;
            } else {
                aborted_ = true;
            }
        }
        changed_.notify_all();
        if (!committed) return;
    }
}

void BatchWriteStage::take_lane_outcomes(Batch& batch) {
    const std::size_t dependent = batch.lane_parts.size();
    std::vector<std::size_t> lane_ops(dependent);
    for (std::size_t i = 0; i < batch.events.size(); ++i) {
        const std::size_t part = batch.part[i];
        if (part != dependent) {
            lane_ops[part] += batch.events[i].ops.size();
            if (batch.lane_outcomes[part] == Commit::done) continue;
        }
        batch.in_order.push_back(i);
    }
    for (std::size_t lane = 0; lane < dependent; ++lane) {
        if (batch.lane_outcomes[lane] == Commit::done) metrics_.lane_ops += lane_ops[lane];
        else ++metrics_.lane_give_ways;
    }
}

bool BatchWriteStage::write_ordered(Batch& batch) {
    if (!write_in_order(batch)) return false;
    after_commit(batch);
    return true;
}

bool BatchWriteStage::write_in_order(Batch& batch) {
    // The inbox's ops, then the events' in order, each where it is.
    std::vector<std::span<const classify::StagedOp>> parts;
    parts.reserve(1 + batch.in_order.size());
    parts.emplace_back(batch.inbox);
    for (const auto i : batch.in_order) parts.emplace_back(batch.events[i].ops);
    switch (commit(*lanes_[0], parts, batch.cursors)) {
        case Commit::aborted: return false;  // not committed: the cursors re-read these events
        case Commit::gave_way:
        case Commit::refused:
            if (!write_one_by_one(batch)) return false;
            // Events the lanes committed may follow the last one written here.
            if (batch.in_order.size() < batch.events.size()) {
                if (commit(*lanes_[0], {}, batch.cursors) == Commit::aborted) return false;
                report_committed(batch.cursors);
            }
            return true;
        case Commit::done:
            metrics_.ops += op_count(parts);
            report_committed(batch.cursors);
            return true;
    }
    return false;
}

bool BatchWriteStage::write_one_by_one(const Batch& batch) {
    for (const auto& op : batch.inbox) {
        const std::span<const classify::StagedOp> one[] = {{&op, 1}};
        if (commit(*lanes_[0], one, {}) == Commit::refused) {
            ++metrics_.poison_events;
            log_->error("{} op for {} refused by the database; skipped", classify::to_string(op.kind), op.did);
        }
    }
    for (const auto i : batch.in_order) {
        const auto& event = batch.events[i];
        const std::span<const classify::StagedOp> event_ops[] = {event.ops};
        const auto cursors = cursor_of(event);
        auto outcome = commit(*lanes_[0], event_ops, cursors);
        if (outcome == Commit::done) metrics_.ops += event.ops.size();
        if (outcome == Commit::refused) {
            ++metrics_.poison_events;
            log_->error("{} refused by the database; its {} ops are skipped", event.describe(), event.ops.size());
            outcome = commit(*lanes_[0], {}, cursors);  // still move the cursor past it
        }
        if (outcome == Commit::aborted) return false;
        report_committed(cursors);
    }
    return true;
}

std::vector<CursorUpdate> BatchWriteStage::cursor_of(const classify::ClassifiedEvent& event) const {
    if (!event.seq) return {};
    return {{cursor_keys_[event.source], *event.seq}};
}

void BatchWriteStage::report_committed(const std::vector<CursorUpdate>& cursors) {
    if (!hooks_.committed) return;
    for (const auto& c : cursors) {
        const auto source = static_cast<std::uint32_t>(
            std::find(cursor_keys_.begin(), cursor_keys_.end(), c.service) - cursor_keys_.begin());
        hooks_.committed(source, c.cursor);
    }
}

BatchWriteStage::Commit BatchWriteStage::commit(WriterSession& lane, OpParts ops,
                                                const std::vector<CursorUpdate>& cursors, BatchApplier::Mode mode) {
    auto delay = config_.retry_initial;
    const bool first_lane = &lane == lanes_.front().get();
    while (!abort_.stop_requested()) {
        try {
            if (!lane.is_open()) {
                lane.open(config_.database_url);
                ++metrics_.connections;
                if (first_lane) metrics_.connected = true;
            }
            const auto started = std::chrono::steady_clock::now();
            const auto result = lane.applier->apply(ops, cursors, mode);
            if (result.gave_way) return Commit::gave_way;
            metrics_.commit_micros += static_cast<std::uint64_t>(
                std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started)
                    .count());
            ++metrics_.batches;
            metrics_.stale_writes += static_cast<std::uint64_t>(result.stale);
            metrics_.accounts_ignored += static_cast<std::uint64_t>(result.accounts_ignored);
            metrics_.refused_rows += result.refused_rows;
            if (result.refused_rows > 0) {
                log_->warn("{} rows could not be staged (NUL bytes or over 1 GiB) and were skipped",
                           result.refused_rows);
            }
            return Commit::done;
        } catch (const storage::pg::PgError& e) {
            ++metrics_.retries;
            // Class 40 (deadlock, serialization failure) is transient; anything else the server
            // answered is a refusal of the data, which retrying the same batch cannot help.
            if (lane.conn && lane.conn->ok() && !e.sqlstate().starts_with("40")) {
                log_->error("batch of {} ops refused: {}", op_count(ops), e.what());
                return Commit::refused;
            }
            log_->error("batch of {} ops not committed, retrying in {} ms: {}", op_count(ops), delay.count(),
                        e.what());
            if (lane.is_open()) --metrics_.connections;
            lane.close();
            if (first_lane) metrics_.connected = false;
            if (!common::sleep_unless_stopped(delay, abort_)) return Commit::aborted;
            delay = std::min(delay * 2, config_.retry_max);
        }
    }
    return Commit::aborted;
}

void BatchWriteStage::after_commit(Batch& batch) {
    std::vector<classify::IdentityRequest> identities;
    std::vector<classify::DeletionRequest> deletions;
    std::vector<std::string> resyncs;
    std::vector<std::uint64_t> per_source(cursor_keys_.size());
    const auto now = std::chrono::steady_clock::now();
    for (auto& event : batch.events) {
        for (auto& r : event.identities) identities.push_back(std::move(r));
        for (auto& d : event.deletions) deletions.push_back(std::move(d));
        for (auto& s : event.resyncs) resyncs.push_back(std::move(s));
        if (hooks_.lag) hooks_.lag(now - event.received);
        ++per_source[event.source];
    }
    for (std::uint32_t source = 0; hooks_.events && source < per_source.size(); ++source) {
        if (per_source[source] > 0) hooks_.events(source, per_source[source]);
    }
    metrics_.events += batch.events.size();
    if (hooks_.identity && (!identities.empty() || !deletions.empty())) {
        hooks_.identity(std::move(identities), std::move(deletions));
    }
    if (hooks_.resync && !resyncs.empty()) hooks_.resync(std::move(resyncs));
}

}  // namespace stages::batch_write
