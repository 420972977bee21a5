// Lanes<T>: N ordered queues with one worker each. An item's key (the repo DID) picks its lane,
// so two items with one key are never processed concurrently or out of order, while other keys
// run in parallel. Thread-safety: as Queue<T>.
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/core.h>

#include "pipeline/queue.hpp"
#include "pipeline/stage.hpp"

namespace pipeline {

template <Keyed T>
class Lanes final : public Inlet<T>, public Output<T>, public Abortable {
public:
    // `stats_for(i)` supplies the metrics slot of lane i (nullptr: the lane keeps its own).
    Lanes(const std::string& name, std::size_t lanes, std::size_t capacity_per_lane,
          const std::function<QueueStats*(std::size_t)>& stats_for = {}, std::size_t max_chunk = max_chunk_items) {
        if (lanes == 0) throw std::invalid_argument(fmt::format("lanes '{}' needs at least one lane", name));
        for (std::size_t i = 0; i < lanes; ++i) {
            QueueStats* stats = stats_for ? stats_for(i) : nullptr;
            lanes_.push_back(std::make_unique<Queue<T>>(fmt::format("{}/{}", name, i), capacity_per_lane, stats,
                                                        nullptr, max_chunk));
        }
    }

    [[nodiscard]] Queue<T>& lane(std::size_t i) { return *lanes_.at(i); }

    std::size_t ways() const override { return lanes_.size(); }
    std::size_t route(const T& item) const override {
        return std::hash<std::string_view>{}(std::string_view(item.key())) % lanes_.size();
    }
    std::size_t chunk_size() const override { return lanes_.front()->chunk_size(); }
    void push(std::size_t way, Chunk<T>&& chunk) override { lanes_[way]->push(0, std::move(chunk)); }
    void add_producer() override {
        for (auto& q : lanes_) q->add_producer();
    }
    void close() override {
        for (auto& q : lanes_) q->close();
    }

    // One worker per lane, whatever the stage asked for: the lane count is the parallelism.
    std::size_t attach(std::size_t /*workers*/) override {
        for (auto& q : lanes_) q->attach(1);
        return lanes_.size();
    }
    Input<T>& input(std::size_t worker) override { return *lanes_.at(worker); }

    void abort() override {
        for (auto& q : lanes_) q->abort();
    }

private:
    std::vector<std::unique_ptr<Queue<T>>> lanes_;
};

}  // namespace pipeline
