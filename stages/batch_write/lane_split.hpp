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
// The writer applies a batch's ordered part while the next batch's lanes run: that next split is
// made with the notes of the batch before it (`carried`), so its lanes hold back what that ordered
// part reads and the repos it holds, as if the two batches were one.
//
// Thread-safety: none (one per batch).
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>

#include "stages/classify/staged_op.hpp"

namespace stages::batch_write {

// What a batch's ordered part holds back from later lane events.
struct LaneNotes {
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    using Set = std::unordered_set<std::string, Hash, std::equal_to<>>;

    bool fenced = false;  // a delete_actor or a backfill op was seen
    Set repos;            // repos with an ordered event
    Set read_uris;        // parents and roots of ordered replies
    Set gate_owners;      // their roots' authors (thread gates' follows)
    Set changed_posts;    // posts an ordered op deleted or updated
};

class LaneSplit {
public:
    explicit LaneSplit(std::size_t lanes, LaneNotes carried = {}) : lanes_(lanes), carried_(std::move(carried)) {}

    // The part of the next event of the batch: a lane below lanes(), or dependent().
    [[nodiscard]] std::size_t next(std::span<const classify::StagedOp> event_ops);
    // Ops applied in the ordered part that next() did not send there: ops from outside the event
    // stream (identity results, confirmed deletions), and events whose lane gave way.
    void note_dependent(std::span<const classify::StagedOp> ops);
    // This batch's notes, for the split of the batch after it; the last call on the object.
    [[nodiscard]] LaneNotes take_notes() { return std::move(notes_); }

    [[nodiscard]] std::size_t lanes() const noexcept { return lanes_; }
    [[nodiscard]] std::size_t dependent() const noexcept { return lanes_; }

private:
    [[nodiscard]] bool independent(std::span<const classify::StagedOp> event_ops) const;
    [[nodiscard]] bool independent(const classify::StagedOp& op) const;
    void note_reads(const classify::StagedOp& op);

    [[nodiscard]] bool fenced() const noexcept { return notes_.fenced || carried_.fenced; }
    // Whether this batch's notes or the carried ones hold `key` in `set`.
    [[nodiscard]] bool noted(LaneNotes::Set LaneNotes::*set, std::string_view key) const {
        return (notes_.*set).contains(key) || (carried_.*set).contains(key);
    }

    std::size_t lanes_;
    LaneNotes carried_;  // the batch before's
    LaneNotes notes_;    // this batch's
};

}  // namespace stages::batch_write
