// LaneSplit: decides, event by event in batch order, which events the live writer may apply on its
// parallel lanes and which must wait for them (docs/indexing.md "Writer lanes"). A lane takes
// whole repos (by a hash of the DID) and only events whose ops read no other repo's rows: likes,
// reposts, follows, blocks and plain posts (the set-based creates), and deletes of the first four.
// Those are applied first, each lane in its own transaction, in parallel; the rest of the batch
// (the dependent part) is applied after they committed, in order, with the cursors.
//
// That order gives every op the rows it would see applied one by one, in sequence order, when:
//  - a dependent op sees every lane op before it: the lanes commit first;
//  - no dependent op sees a lane op after it. So a later event joins the dependent part when an
//    earlier dependent op reads what it writes: a post (record row) a reply names as parent or root,
//    a follow or follow delete of a gated thread's owner, a repost of a post deleted or updated
//    (deleting a post deletes the feed items of its reposts); and after delete_actor (which deletes
//    notifications to the actor, written by anyone) every later event does;
//  - no lane op reads what a dependent op writes: a lane op reads only its own repo's rows, and
//    once a repo has a dependent event all its later events are dependent.
// The one read a lane op makes of another repo — a plain post's check for replies indexed before
// it, which the post then walks — is left to BatchApplier (Options::lane): such a post makes its
// lane give way to the ordered path.
//
// Views into the batch's ops, which must outlive the object. Thread-safety: none (one per batch).
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <unordered_set>

#include "stages/classify/staged_op.hpp"

namespace stages::batch_write {

class LaneSplit {
public:
    explicit LaneSplit(std::size_t lanes) : lanes_(lanes) {}

    // The part of the next event of the batch: a lane below lanes(), or dependent().
    [[nodiscard]] std::size_t next(std::span<const classify::StagedOp> event_ops);
    // Ops from outside the event stream (identity results, confirmed deletions): dependent.
    void note_dependent(std::span<const classify::StagedOp> ops);

    [[nodiscard]] std::size_t lanes() const noexcept { return lanes_; }
    [[nodiscard]] std::size_t dependent() const noexcept { return lanes_; }

private:
    [[nodiscard]] bool independent(std::span<const classify::StagedOp> event_ops) const;
    [[nodiscard]] bool independent(const classify::StagedOp& op) const;
    void note_reads(const classify::StagedOp& op);

    std::size_t lanes_;
    bool fenced_ = false;                                  // a delete_actor or a backfill op was seen
    std::unordered_set<std::string_view> dependent_repos_;  // repos with a dependent event so far
    std::unordered_set<std::string_view> read_uris_;        // parents and roots of dependent replies
    std::unordered_set<std::string_view> gate_owners_;      // their roots' authors (thread gates' follows)
    std::unordered_set<std::string_view> changed_posts_;    // posts a dependent op deleted or updated
};

}  // namespace stages::batch_write
