// ClassifyStage: decoded frames → ClassifiedEvents for the batch writer (the EventClassifier
// does the work). Exactly one event out per frame in, empty for undecodable frames.
// Thread-safety: one instance per worker; the validator and metrics are shared.
#pragma once

#include "pipeline/stage.hpp"
#include "stages/classify/event_classifier.hpp"
#include "stages/decode/decoded_frame.hpp"

namespace stages::classify {

class ClassifyStage {
public:
    using In = decode::DecodedFrame;
    using Out = ClassifiedEvent;

    ClassifyStage(const atproto::lexicon::Validator& validator, const ClassifyConfig& config,
                  ClassifyMetrics& metrics, std::shared_ptr<spdlog::logger> log)
        : classifier_(validator, config, metrics, std::move(log)) {}

    pipeline::Outcome process(In&& in, pipeline::Emit<Out>& emit) {
        ClassifiedEvent out;
        out.source = in.source;
        out.ordinal = in.ordinal;
        out.received = in.received;
        if (in.frame) classifier_.classify(*in.frame, out);
        emit.push(std::move(out));
        return pipeline::Outcome::ok;
    }

private:
    EventClassifier classifier_;
};

}  // namespace stages::classify
