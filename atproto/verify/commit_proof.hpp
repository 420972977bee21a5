// Sync 1.1 commit check: a #commit's CAR slice carries the new tree's changed MST nodes, so
// inverting its ops on that partial tree must give the previous commit's root (`prevData`).
// Along the way each create/update path must hold op.cid in the new tree and each delete path
// must be absent. Thread-safety: pure functions; nothing is shared.
#pragma once

#include <span>

#include "atproto/car/block_index.hpp"
#include "atproto/cid.hpp"
#include "atproto/error.hpp"
#include "atproto/frame/frame.hpp"

namespace atproto::verify {

// Applies the inverse of `ops` to the tree rooted at `data` and returns the resulting root.
// Errors: bad_repo_op (offset = op index: unknown action, path not `nsid/rkey`, create/update
// without cid, update/delete without prev), op_mismatch (offset = op index: a create/update path
// not holding op.cid, a delete path present), missing_block (a node the inversion needs, with
// its CID), and MST node decoding errors.
[[nodiscard]] Expected<Cid> invert_ops(const car::BlockIndex& blocks, const Cid& data,
                                       std::span<const frame::RepoOp> ops);

// The whole check for one #commit: CAR slice, commit block (`commit.commit`), inversion from its
// `data`, and comparison with `prevData`. Errors: any CAR or commit decoding error; missing_block
// for the commit block; missing_field when the frame has no prevData; those of invert_ops;
// proof_mismatch (cid = the computed root) when the inverted root is not prevData.
[[nodiscard]] Expected<void> check_commit(const frame::Commit& commit);

}  // namespace atproto::verify
