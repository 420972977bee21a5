// What every stage runner shares: the Runner interface Pipeline holds, the context a runner
// works in, and ChunkEmit, the Emit that buffers a worker's output into chunks per lane.
// Thread-safety: a ChunkEmit belongs to one worker; the context's members are thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/edge.hpp"
#include "pipeline/metrics.hpp"
#include "pipeline/shutdown.hpp"
#include "pipeline/stage.hpp"
#include "pipeline/stage_settings.hpp"

namespace pipeline {

class Runner {
public:
    virtual ~Runner() = default;
    virtual void start() = 0;
    // Blocks until every worker has returned.
    virtual void join() = 0;
};

struct RunnerContext {
    std::string name;
    StageSettings settings;
    Shutdown& shutdown;
    StageCounters& counters;
};

// Thrown inside a worker after its failure went to Shutdown::fail; the entry point just exits.
struct ReportedFailure {};

template <class T>
class ChunkEmit final : public Emit<T> {
public:
    // `out` null: a sink, whose output is only counted.
    explicit ChunkEmit(Output<T>* out) : out_(out) {
        if (out_ != nullptr) {
            buffers_.resize(out_->ways());
            chunk_size_ = out_->chunk_size();
        }
    }

    void push(T item) override {
        ++emitted_;
        if (out_ == nullptr) return;
        const std::size_t way = buffers_.size() == 1 ? 0 : out_->route(item);
        auto& buffer = buffers_[way];
        if (buffer.empty()) buffer.reserve(chunk_size_);
        buffer.push_back(std::move(item));
        if (buffer.size() >= chunk_size_) send(way);
    }

    // Pushes every partly filled chunk; the runner calls it before it would block.
    void send_all() {
        for (std::size_t way = 0; way < buffers_.size(); ++way) {
            if (!buffers_[way].empty()) send(way);
        }
    }

    std::uint64_t take_emitted() noexcept { return std::exchange(emitted_, 0); }

private:
    void send(std::size_t way) { out_->push(way, std::exchange(buffers_[way], Chunk<T>{})); }

    Output<T>* out_;
    std::vector<Chunk<T>> buffers_;
    std::size_t chunk_size_ = 1;
    std::uint64_t emitted_ = 0;
};

}  // namespace pipeline
