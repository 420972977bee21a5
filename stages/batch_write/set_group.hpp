// SetGroup: decides, op by op in batch order, which creates apply_batch may collect into a
// set-based group and before which ops the group must be applied (migration 0008,
// docs/indexing.md "Set-based creates"). An op must wait for the group when, applied one by
// one, it could read a row the group writes. Deciding more flushes than needed is always
// correct; fewer never is. Thread-safety: none (one per staged batch).
#pragma once

#include <string_view>
#include <unordered_set>
#include <utility>

#include "stages/classify/staged_op.hpp"

namespace stages::batch_write {

// Two views as one key ("creator subject", "collection creator"), without joining them into a string.
using ViewPair = std::pair<std::string_view, std::string_view>;

struct ViewPairHash {
    std::size_t operator()(const ViewPair& pair) const noexcept {
        const std::hash<std::string_view> hash;
        return hash(pair.first) * 31U + hash(pair.second);
    }
};

struct SetDecision {
    bool set_based = false;     // the op joins the group
    bool apply_before = false;  // the group collected so far is applied before the op
};

class SetGroup {
public:
    [[nodiscard]] SetDecision next(const classify::StagedOp& op);

private:
    [[nodiscard]] bool conflicts(const classify::StagedOp& op) const;
    [[nodiscard]] bool reply_conflicts(const classify::StagedOp& op) const;
    [[nodiscard]] bool read_by_replies(const classify::StagedOp& op) const;
    void add(const classify::StagedOp& op);
    void clear();

    // Views into the batch's ops, which outlive the decisions.
    std::unordered_set<std::string_view> uris_;             // every create of the group
    std::unordered_set<std::string_view> dids_;             // and their repos
    std::unordered_set<std::string_view> collections_;
    std::unordered_set<std::string_view> repost_subjects_;  // a post delete removes feed items
    std::unordered_set<ViewPair, ViewPairHash> follows_;    // (creator, subject) of the group's follows
    std::unordered_set<ViewPair, ViewPairHash> creators_;   // (collection, creator) of its likes, reposts, …
    // What the group's replies read (migration 0014): their parents' and roots' URIs, and for those
    // under another actor's root both DIDs and the two pairs (reply author, root author).
    bool has_replies_ = false;
    std::unordered_set<std::string_view> reply_targets_;
    std::unordered_set<std::string_view> gate_dids_;
    std::unordered_set<ViewPair, ViewPairHash> gate_pairs_;
};

}  // namespace stages::batch_write
