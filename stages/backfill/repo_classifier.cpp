#include "stages/backfill/repo_classifier.hpp"

#include <stdexcept>

#include <fmt/core.h>

#include "atproto/repo/mst_walker.hpp"
#include "atproto/repo/repo.hpp"

namespace stages::backfill {

namespace {

using classify::OpKind;
using classify::StagedOp;

tl::unexpected<RepoFailure> failure(RepoError error, std::string detail) {
    return tl::unexpected(RepoFailure{error, std::move(detail)});
}

// Walks the whole MST once without converting anything: every node and record block present,
// keys in order and each at its layer. Returns the number of leaves.
tl::expected<std::size_t, RepoFailure> check_mst(const atproto::repo::Repo& repo) {
    atproto::repo::MstWalker walker(repo.blocks, repo.commit.data);
    atproto::repo::Leaf leaf;
    std::size_t leaves = 0;
    while (true) {
        auto more = walker.next(leaf);
        if (!more) return failure(RepoError::bad_mst, more.error().describe());
        if (!*more) return leaves;
        ++leaves;
    }
}

StagedOp repo_op(OpKind kind, std::string_view did) {
    StagedOp op;
    op.kind = kind;
    op.did = std::string(did);
    return op;
}

}  // namespace

std::string_view to_string(RepoError error) noexcept {
    switch (error) {
        case RepoError::bad_car: return "bad_car";
        case RepoError::wrong_did: return "wrong_did";
        case RepoError::bad_signature: return "bad_signature";
        case RepoError::bad_mst: return "bad_mst";
    }
    return "unknown";
}

tl::expected<RepoSummary, RepoFailure> RepoClassifier::classify(const RepoInput& in, const Sink& sink) {
    auto repo = atproto::repo::open_repo(in.car, {.verify_hashes = config_.verify_block_hashes});
    if (!repo) return failure(RepoError::bad_car, repo.error().describe());
    if (repo->commit.did != in.did) {
        return failure(RepoError::wrong_did, fmt::format("the commit is {}'s", repo->commit.did));
    }
    if (repo->commit.rev.empty()) return failure(RepoError::bad_car, "commit without rev (v2 repo)");
    if (in.signing_key) {
        auto verdict = verifier_.verify(repo->commit_block, *in.signing_key);
        if (!verdict) return failure(RepoError::bad_car, verdict.error().describe());
        if (*verdict != atproto::crypto::Verdict::valid) {
            return failure(RepoError::bad_signature, atproto::crypto::to_string(*verdict));
        }
    }
    auto leaves = check_mst(*repo);
    if (!leaves) return tl::unexpected(leaves.error());

    RepoSummary summary;
    summary.commit_cid = repo->commit_cid.to_string();
    summary.rev = std::string(repo->commit.rev);
    summary.records = *leaves;

    auto begin = repo_op(OpKind::repo_begin, in.did);
    begin.cid = summary.commit_cid;
    begin.rev = summary.rev;
    begin.time = std::string(in.time);
    sink(std::move(begin));

    // check_mst verified the layering: the second walk skips its hashing.
    atproto::repo::MstWalker walker(repo->blocks, repo->commit.data, {.verify_layers = false});
    atproto::repo::Leaf leaf;
    std::string cid;
    while (true) {
        auto more = walker.next(leaf);
        if (!more) throw std::logic_error("the MST walk failed after a clean check: " + more.error().describe());
        if (!*more) break;
        cid = leaf.cid.to_string();
        const classify::RecordInput record{OpKind::repo_record, 0, in.did, leaf.collection, leaf.rkey,
                                           cid, leaf.record, {}};
        StagedOp op;
        const auto why = records_.classify(record, op, detail_);
        if (why == classify::Rejection::not_indexed) {
            ++summary.not_indexed;
            continue;
        }
        if (why != classify::Rejection::none) {
            // In the CAR but not indexable: reconciliation must not delete what the database holds.
            ++summary.seen_only;
            op = repo_op(OpKind::repo_record, in.did);
            op.uri = fmt::format("at://{}/{}", in.did, leaf.key);
            op.cid = cid;
            op.extra = std::string(leaf.collection);
        } else {
            ++summary.staged;
        }
        sink(std::move(op));
    }
    sink(repo_op(OpKind::repo_end, in.did));
    return summary;
}

}  // namespace stages::backfill
