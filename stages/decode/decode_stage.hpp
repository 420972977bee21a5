// DecodeStage: raw frames → typed frames (atproto::frame). A frame that does not decode is
// counted and logged, and passed on empty so its source's cursor still advances past it: a bad
// frame never causes a reconnect loop. Thread-safety: one instance per worker; metrics shared.
#pragma once

#include <atomic>
#include <memory>

#include <spdlog/logger.h>

#include "pipeline/stage.hpp"
#include "stages/decode/decoded_frame.hpp"
#include "stages/socket_read/sourced_frame.hpp"

namespace stages::decode {

struct DecodeMetrics {
    std::atomic<std::uint64_t> frames{0};
    std::atomic<std::uint64_t> bad_frames{0};
};

class DecodeStage {
public:
    using In = socket_read::SourcedFrame;
    using Out = DecodedFrame;

    DecodeStage(DecodeMetrics& metrics, std::shared_ptr<spdlog::logger> log)
        : metrics_(metrics), log_(std::move(log)) {}

    pipeline::Outcome process(In&& in, pipeline::Emit<Out>& emit);

private:
    DecodeMetrics& metrics_;
    std::shared_ptr<spdlog::logger> log_;
};

}  // namespace stages::decode
