// WriterInbox: ops produced outside the event stream (identity resolutions, confirmed actor
// deletions) waiting for the writer's next batch. Thread-safe: filled by the identity resolver,
// drained by the writer.
#pragma once

#include <mutex>
#include <vector>

#include "stages/classify/staged_op.hpp"

namespace stages::batch_write {

class WriterInbox {
public:
    void push(classify::StagedOp op) {
        std::lock_guard lock(mutex_);
        ops_.push_back(std::move(op));
    }
    // Appends every waiting op to `out`.
    void drain(std::vector<classify::StagedOp>& out) {
        std::lock_guard lock(mutex_);
        for (auto& op : ops_) out.push_back(std::move(op));
        ops_.clear();
    }
    [[nodiscard]] std::size_t size() {
        std::lock_guard lock(mutex_);
        return ops_.size();
    }

private:
    std::mutex mutex_;
    std::vector<classify::StagedOp> ops_;
};

}  // namespace stages::batch_write
