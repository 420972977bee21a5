// ReorderBuffer: puts the events of one source back in arrival order after parallel decode and
// classify workers finished them out of order. Holds early arrivals until the gap before them is
// filled. Not thread-safe (the writer's own state).
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "stages/classify/classified_event.hpp"

namespace stages::batch_write {

class ReorderBuffer {
public:
    // Adds `event`, then moves every event that is now next in line to `ready`, in order.
    void add(classify::ClassifiedEvent&& event, std::vector<classify::ClassifiedEvent>& ready) {
        held_.emplace(event.ordinal, std::move(event));
        for (auto it = held_.begin(); it != held_.end() && it->first == next_; it = held_.begin()) {
            ready.push_back(std::move(it->second));
            held_.erase(it);
            ++next_;
        }
    }
    [[nodiscard]] std::size_t held() const noexcept { return held_.size(); }

private:
    std::map<std::uint64_t, classify::ClassifiedEvent> held_;
    std::uint64_t next_ = 0;
};

}  // namespace stages::batch_write
