#include "stages/socket_read/socket_source.hpp"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <vector>

namespace stages::socket_read {

SocketSource::SocketSource(SourceSpec spec, const SocketReadConfig& config, SocketReadMetrics& metrics,
                           std::shared_ptr<spdlog::logger> log)
    : spec_(std::move(spec)), config_(config), metrics_(metrics), log_(std::move(log)) {}

SocketSource::~SocketSource() {
    if (reader_) reader_->stop();
}

pipeline::Outcome SocketSource::produce(std::stop_token stop, pipeline::Emit<SourcedFrame>& emit) {
    if (!reader_) {
        // The sink and read_done run on the reader's thread; the handoff outlives both through the
        // shared_ptr. The frames of one read are announced together, when the read is done (or
        // when the handoff is full and the sink must wait for room).
        auto sink = [handoff = handoff_](RawFrame&& frame, std::stop_token reader_stop) {
            std::unique_lock lock(handoff->mutex);
            if (handoff->frames.size() >= handoff_capacity) handoff->changed.notify_all();
            if (!handoff->changed.wait(lock, reader_stop,
                                       [&] { return handoff->frames.size() < handoff_capacity; })) {
                return;  // stopping: the frame is dropped with the connection, the cursor re-reads it
            }
            handoff->frames.push_back(std::move(frame));
        };
        auto read_done = [handoff = handoff_] {
            const std::lock_guard lock(handoff->mutex);
            if (!handoff->frames.empty()) handoff->changed.notify_all();
        };
        auto started = SocketReader::start(spec_.endpoint, spec_.stream, config_, {spec_.cursor, sink, read_done},
                                           metrics_, log_);
        if (!started) throw std::runtime_error("cannot start the socket reader: " + started.error().message);
        reader_ = std::move(*started);
    }
    // Everything the reader has handed over goes out in one call: the runner sends one chunk
    // downstream per produce, so taking frames one by one would wake this thread and a decode
    // worker for every frame (a reader's 64 KiB read holds a dozen) — context switches that cost
    // more than the frames' decoding on a virtual machine (docs/benchmarks.md).
    {
        std::unique_lock lock(handoff_->mutex);
        const bool got = handoff_->changed.wait_for(lock, stop, std::chrono::milliseconds(100),
                                                    [&] { return !handoff_->frames.empty(); });
        if (!got) {
            if (!stop.stop_requested()) return pipeline::Outcome::ok;
            lock.unlock();
            reader_->stop();
            return pipeline::Outcome::stop;
        }
        drained_.clear();  // the last call's, moved from (or left by a push that threw on abort)
        std::move(handoff_->frames.begin(), handoff_->frames.end(), std::back_inserter(drained_));
        handoff_->frames.clear();
        handoff_->changed.notify_all();
    }
    metrics_.last_frame_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count();
    for (auto& frame : drained_) emit.push(SourcedFrame{spec_.index, next_ordinal_++, std::move(frame)});
    return pipeline::Outcome::ok;
}

}  // namespace stages::socket_read
