#include "stages/batch_write/batch_write_stage.hpp"

#include <algorithm>
#include <iterator>

#include "common/stoppable_sleep.hpp"
#include "storage/pg/error.hpp"

namespace stages::batch_write {

BatchWriteStage::BatchWriteStage(const BatchWriteConfig& config, std::vector<std::string> cursor_keys,
                                 WriterInbox& inbox, WriterHooks hooks, BatchWriteMetrics& metrics,
                                 std::stop_token abort, std::shared_ptr<spdlog::logger> log)
    : config_(config), cursor_keys_(std::move(cursor_keys)), inbox_(inbox), hooks_(std::move(hooks)),
      metrics_(metrics), abort_(std::move(abort)), log_(std::move(log)), reorder_(cursor_keys_.size()) {}

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
    std::vector<classify::StagedOp> ops;
    inbox_.drain(ops);
    if (ready_.empty() && ops.empty()) return;
    // The events' ops are moved, not copied, behind them; `ends` remembers where each event's
    // ops end, for the event-by-event fallback.
    const std::size_t inbox_ops = ops.size();
    std::vector<std::size_t> ends;
    ends.reserve(ready_.size());
    ops.reserve(ops.size() + ready_ops_);
    std::vector<std::optional<std::int64_t>> last_seq(cursor_keys_.size());
    for (auto& event : ready_) {
        std::move(event.ops.begin(), event.ops.end(), std::back_inserter(ops));
        event.ops.clear();
        ends.push_back(ops.size());
        if (event.seq) last_seq[event.source] = *event.seq;
    }
    std::vector<CursorUpdate> cursors;
    for (std::size_t i = 0; i < last_seq.size(); ++i) {
        if (last_seq[i]) cursors.push_back({cursor_keys_[i], *last_seq[i]});
    }
    switch (commit(ops, cursors)) {
        case Commit::aborted: return;  // not committed: the cursors re-read these events
        case Commit::refused: write_one_by_one(ops, inbox_ops, ends); break;
        case Commit::done: metrics_.ops += ops.size(); report_committed(cursors); break;
    }
    after_commit();
}

void BatchWriteStage::write_one_by_one(std::span<const classify::StagedOp> ops, std::size_t inbox_ops,
                                       const std::vector<std::size_t>& ends) {
    for (const auto& op : ops.first(inbox_ops)) {
        if (commit({&op, 1}, {}) == Commit::refused) {
            ++metrics_.poison_events;
            log_->error("{} op for {} refused by the database; skipped", classify::to_string(op.kind), op.did);
        }
    }
    std::size_t begin = inbox_ops;
    for (std::size_t i = 0; i < ready_.size(); ++i) {
        const auto event_ops = ops.subspan(begin, ends[i] - begin);
        begin = ends[i];
        const auto cursors = cursor_of(ready_[i]);
        auto outcome = commit(event_ops, cursors);
        if (outcome == Commit::done) metrics_.ops += event_ops.size();
        if (outcome == Commit::refused) {
            ++metrics_.poison_events;
            log_->error("{} refused by the database; its {} ops are skipped", ready_[i].describe(),
                        event_ops.size());
            outcome = commit({}, cursors);  // still move the cursor past it
        }
        if (outcome == Commit::aborted) return;
        report_committed(cursors);
    }
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

BatchWriteStage::Commit BatchWriteStage::commit(std::span<const classify::StagedOp> ops,
                                                const std::vector<CursorUpdate>& cursors) {
    auto delay = config_.retry_initial;
    while (!abort_.stop_requested()) {
        try {
            if (!conn_) {
                conn_.emplace(config_.database_url);
                applier_.emplace(*conn_);
                metrics_.connected = true;
            }
            const auto started = std::chrono::steady_clock::now();
            const auto result = applier_->apply(ops, cursors);
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
            if (conn_ && conn_->ok() && !e.sqlstate().starts_with("40")) {
                log_->error("batch of {} ops refused: {}", ops.size(), e.what());
                return Commit::refused;
            }
            log_->error("batch of {} ops not committed, retrying in {} ms: {}", ops.size(), delay.count(), e.what());
            applier_.reset();
            conn_.reset();
            metrics_.connected = false;
            if (!common::sleep_unless_stopped(delay, abort_)) return Commit::aborted;
            delay = std::min(delay * 2, config_.retry_max);
        }
    }
    return Commit::aborted;
}

void BatchWriteStage::after_commit() {
    std::vector<classify::IdentityRequest> identities;
    std::vector<classify::DeletionRequest> deletions;
    std::vector<std::string> resyncs;
    std::vector<std::uint64_t> per_source(cursor_keys_.size());
    const auto now = std::chrono::steady_clock::now();
    for (auto& event : ready_) {
        for (auto& r : event.identities) identities.push_back(std::move(r));
        for (auto& d : event.deletions) deletions.push_back(std::move(d));
        for (auto& s : event.resyncs) resyncs.push_back(std::move(s));
        if (hooks_.lag) hooks_.lag(now - event.received);
        ++per_source[event.source];
    }
    for (std::uint32_t source = 0; hooks_.events && source < per_source.size(); ++source) {
        if (per_source[source] > 0) hooks_.events(source, per_source[source]);
    }
    metrics_.events += ready_.size();
    ready_.clear();
    ready_ops_ = 0;
    if (hooks_.identity && (!identities.empty() || !deletions.empty())) {
        hooks_.identity(std::move(identities), std::move(deletions));
    }
    if (hooks_.resync && !resyncs.empty()) hooks_.resync(std::move(resyncs));
}

}  // namespace stages::batch_write
