#include "stages/socket_read/socket_source.hpp"

#include <chrono>

namespace stages::socket_read {

SocketSource::SocketSource(SourceSpec spec, const SocketReadConfig& config, SocketReadMetrics& metrics,
                           std::shared_ptr<spdlog::logger> log)
    : spec_(std::move(spec)), config_(config), metrics_(metrics), log_(std::move(log)) {}

SocketSource::~SocketSource() {
    if (reader_) reader_->stop();
}

pipeline::Outcome SocketSource::produce(std::stop_token stop, pipeline::Emit<SourcedFrame>& emit) {
    if (!reader_) {
        // The sink runs on the reader's thread; the handoff outlives both through the shared_ptr.
        auto sink = [handoff = handoff_](RawFrame&& frame, std::stop_token reader_stop) {
            std::unique_lock lock(handoff->mutex);
            if (!handoff->changed.wait(lock, reader_stop,
                                       [&] { return handoff->frames.size() < handoff_capacity; })) {
                return;  // stopping: the frame is dropped with the connection, the cursor re-reads it
            }
            handoff->frames.push_back(std::move(frame));
            handoff->changed.notify_all();
        };
        auto started = SocketReader::start(spec_.endpoint, spec_.stream, config_, {spec_.cursor, sink}, metrics_, log_);
        if (!started) throw std::runtime_error("cannot start the socket reader: " + started.error().message);
        reader_ = std::move(*started);
    }
    RawFrame frame;
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
        frame = std::move(handoff_->frames.front());
        handoff_->frames.pop_front();
        handoff_->changed.notify_all();
    }
    metrics_.last_frame_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count();
    emit.push(SourcedFrame{spec_.index, next_ordinal_++, std::move(frame)});
    return pipeline::Outcome::ok;
}

}  // namespace stages::socket_read
