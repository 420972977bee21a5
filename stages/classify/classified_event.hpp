// ClassifiedEvent: everything the batch writer needs from one firehose or label frame, in the
// order the frame's events must be applied. Every frame read from a source gives exactly one
// ClassifiedEvent (possibly with no ops), so the writer can restore arrival order and advance
// the source's cursor past frames that were skipped. Move-only value type.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "stages/classify/staged_op.hpp"

namespace stages::classify {

// A DID whose identity the reference would (re)index after this event (indexHandle).
struct IdentityRequest {
    std::string did;
    std::string time;  // the event's time: the actor's indexedAt
    bool force = false;  // #identity: re-resolve even if fresh
};

// An #account event asking to delete the actor: applied only once the PDS confirms the repo is gone.
struct DeletionRequest {
    std::string did;
    std::string time;
};

struct ClassifiedEvent {
    std::uint32_t source = 0;     // index of the relay or labeler connection
    std::uint64_t ordinal = 0;    // arrival index on that source
    std::optional<std::int64_t> seq;  // the frame's seq, when it has one
    std::chrono::steady_clock::time_point received;
    std::vector<StagedOp> ops;
    std::vector<IdentityRequest> identities;
    std::vector<DeletionRequest> deletions;
    std::vector<std::string> resyncs;  // repos to re-fetch: #sync, tooBig, failed verification

    [[nodiscard]] std::string describe() const;
};

}  // namespace stages::classify
