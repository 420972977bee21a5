// SocketSource: the socket read stage as a pipeline source. It runs a SocketReader for one relay
// or labeler and hands its frames to the runner through a small bounded handoff: while the
// handoff is full the reader's sink waits, the reader stops reading and TCP pushes back on the
// relay. Frames are never dropped. Thread-safety: one instance, driven by one runner thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "pipeline/stage.hpp"
#include "stages/socket_read/socket_reader.hpp"
#include "stages/socket_read/sourced_frame.hpp"

namespace stages::socket_read {

struct SourceSpec {
    std::uint32_t index = 0;  // this connection's source index
    RelayEndpoint endpoint;
    Stream stream = Stream::repos;
    SocketReader::CursorSource cursor;
};

class SocketSource {
public:
    using Out = SourcedFrame;

    SocketSource(SourceSpec spec, const SocketReadConfig& config, SocketReadMetrics& metrics,
                 std::shared_ptr<spdlog::logger> log);
    SocketSource(SocketSource&&) = delete;
    ~SocketSource();

    // Emits the frames the reader has handed over, or returns after a short wait so the runner
    // can check for stop.
    pipeline::Outcome produce(std::stop_token stop, pipeline::Emit<SourcedFrame>& emit);

private:
    static constexpr std::size_t handoff_capacity = 64;

    struct Handoff {
        std::mutex mutex;
        std::condition_variable_any changed;
        std::deque<RawFrame> frames;
    };

    SourceSpec spec_;
    const SocketReadConfig& config_;
    SocketReadMetrics& metrics_;
    std::shared_ptr<spdlog::logger> log_;
    std::shared_ptr<Handoff> handoff_ = std::make_shared<Handoff>();
    std::unique_ptr<SocketReader> reader_;
    std::uint64_t next_ordinal_ = 0;
    std::vector<RawFrame> drained_;  // the frames one produce call takes; kept to reuse its capacity
};

}  // namespace stages::socket_read
