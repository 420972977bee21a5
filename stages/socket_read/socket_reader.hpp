// SocketReader: the socket read stage's source. One libwebsockets client connection to one relay's
// subscribeRepos (or a labeler's subscribeLabels), serviced by the reader's own thread, which hands
// every complete message to a sink and reconnects forever with backoff until stopped.
// Thread-safety: construct, stop and destroy from one owner thread; the callbacks run on the
// reader's service thread; metrics are atomics readable from anywhere.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>

#include <spdlog/logger.h>

#include "common/result.hpp"
#include "stages/socket_read/raw_frame.hpp"
#include "stages/socket_read/relay_endpoint.hpp"
#include "stages/socket_read/socket_read_config.hpp"
#include "stages/socket_read/socket_read_metrics.hpp"

namespace stages::socket_read {

class SocketReader {
public:
    // Asked before every connection attempt: the cursor to subscribe from (the highest seq whose
    // events are committed, else FIREHOSE_INITIAL_CURSOR); nullopt = no cursor parameter (live tail).
    // Runs on the service thread, so it must be safe to call concurrently with the committer.
    using CursorSource = std::function<std::optional<std::int64_t>()>;
    // Receives every complete message, in order, never a partial or dropped one. It may block: that
    // is the backpressure (while it blocks, nothing is read and TCP pushes back on the relay). It must
    // return soon after the stop token is signalled, whether or not it took the frame.
    using FrameSink = std::function<void(RawFrame&& frame, std::stop_token stop)>;

    // Optional: called after each read from the socket, once the sink has had that read's
    // complete messages (a 64 KiB read holds many), so a sink may hand them on together.
    using ReadDone = std::function<void()>;

    struct Callbacks {
        CursorSource cursor;
        FrameSink sink;
        ReadDone read_done = {};
    };

    // Starts the service thread, which connects immediately. Fails only if libwebsockets cannot set
    // up its context. `metrics` must outlive the reader.
    [[nodiscard]] static common::Result<std::unique_ptr<SocketReader>> start(
        RelayEndpoint endpoint, Stream stream, const SocketReadConfig& config, Callbacks callbacks,
        SocketReadMetrics& metrics, std::shared_ptr<spdlog::logger> log);

    // Signals the stop token, wakes the service loop and waits for the thread. Idempotent.
    void stop();
    ~SocketReader();

    SocketReader(const SocketReader&) = delete;
    SocketReader& operator=(const SocketReader&) = delete;

    class Impl;

private:
    explicit SocketReader(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace stages::socket_read
