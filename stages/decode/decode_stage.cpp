#include "stages/decode/decode_stage.hpp"

namespace stages::decode {

pipeline::Outcome DecodeStage::process(In&& in, pipeline::Emit<Out>& emit) {
    DecodedFrame out;
    out.source = in.source;
    out.ordinal = in.ordinal;
    out.received = in.raw.received;
    out.bytes = std::move(in.raw.bytes);
    ++metrics_.frames;
    auto decoded = atproto::frame::decode_frame(out.bytes);
    const bool ok = decoded.has_value();
    if (ok) {
        out.frame = std::move(*decoded);
    } else {
        ++metrics_.bad_frames;
        log_->warn("{} frame #{}: undecodable frame of {} bytes skipped: {}", in.raw.host, in.ordinal,
                   out.bytes.size(), decoded.error().describe());
    }
    emit.push(std::move(out));
    return ok ? pipeline::Outcome::ok : pipeline::Outcome::rejected;
}

}  // namespace stages::decode
