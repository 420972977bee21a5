// Items and small stages shared by the pipeline tests.
#pragma once

#include <atomic>
#include <cstdint>
#include <stop_token>
#include <string>
#include <string_view>

#include <fmt/core.h>

#include "pipeline/stage.hpp"

namespace pipeline_test {

// One repo event: `seq` counts up per repo.
struct Event {
    std::string did;
    std::uint64_t seq = 0;
    std::uint64_t id = 0;  // unique over a run
    [[nodiscard]] std::string_view key() const { return did; }
    [[nodiscard]] std::string describe() const { return fmt::format("event {} seq {}", did, seq); }
};

inline std::string did_of(std::uint64_t repo) { return fmt::format("did:plc:repo{}", repo); }

// Emits `total` events spread round-robin over `repos` repos, `per_call` per produce call;
// with total 0 it runs until stopped. Counts what it emitted into `produced`.
class EventSource {
public:
    using Out = Event;
    EventSource(std::uint64_t total, std::uint64_t repos, std::atomic<std::uint64_t>& produced,
                std::uint64_t per_call = 64)
        : total_(total), repos_(repos), per_call_(per_call), produced_(produced) {}

    pipeline::Outcome produce(std::stop_token, pipeline::Emit<Event>& emit) {
        for (std::uint64_t i = 0; i < per_call_ && (total_ == 0 || next_ < total_); ++i, ++next_) {
            const std::uint64_t repo = next_ % repos_;
            emit(Event{did_of(repo), next_ / repos_, next_});
            produced_.fetch_add(1);
        }
        return total_ != 0 && next_ >= total_ ? pipeline::Outcome::stop : pipeline::Outcome::ok;
    }

private:
    std::uint64_t total_;
    std::uint64_t repos_;
    std::uint64_t per_call_;
    std::atomic<std::uint64_t>& produced_;
    std::uint64_t next_ = 0;
};

// Passes events through unchanged.
struct PassThrough {
    using In = Event;
    using Out = Event;
    pipeline::Outcome process(Event&& e, pipeline::Emit<Event>& emit) {
        emit(std::move(e));
        return pipeline::Outcome::ok;
    }
};

}  // namespace pipeline_test
