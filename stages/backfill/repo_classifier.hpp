// RepoClassifier: one repo CAR (getRepo) → the staged ops that index it as the reference's
// indexRepo does (indexing-semantics.md §5.5): repo_begin, one repo_record per record in MST key
// order (records the RecordClassifier rejects become "seen only", so reconciliation keeps them),
// repo_end. The whole CAR is checked (hashes, commit DID and rev, optional signature, a complete
// MST walk) before the first op is emitted, so a bad CAR emits nothing. Records are converted one
// at a time from views into the caller's CAR buffer: the repo is never copied.
// Thread-safety: one instance per worker (it owns a RecordClassifier); the Validator is shared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "atproto/crypto/public_key.hpp"
#include "atproto/lexicon/validator.hpp"
#include "atproto/verify/commit_signature.hpp"
#include "stages/classify/record_classifier.hpp"
#include "stages/classify/staged_op.hpp"

namespace stages::backfill {

struct RepoInput {
    std::string_view did;            // the repo that was asked for; the commit must be its
    std::span<const std::byte> car;  // the whole getRepo body
    std::string_view time;           // indexedAt of every record: the local clock, ISO with ms
    const atproto::crypto::PublicKey* signing_key = nullptr;  // verify the commit when set
};

enum class RepoError : std::uint8_t {
    bad_car,        // not a CAR, a block hash mismatch, no decodable commit, a commit without rev
    wrong_did,      // the commit belongs to another repo
    bad_signature,  // the commit's signature does not verify with the signing key
    bad_mst,        // a missing node or record block, keys out of order, too deep
};

[[nodiscard]] std::string_view to_string(RepoError error) noexcept;

struct RepoFailure {
    RepoError error;
    std::string detail;
};

struct RepoSummary {
    std::string commit_cid;
    std::string rev;
    std::size_t records = 0;      // leaves of the MST
    std::size_t staged = 0;       // records staged for indexing
    std::size_t seen_only = 0;    // rejected by the RecordClassifier: kept, not indexed
    std::size_t not_indexed = 0;  // collections the dataplane ignores: no op at all
};

struct RepoClassifyConfig {
    bool verify_block_hashes = true;
};

class RepoClassifier {
public:
    using Sink = std::function<void(classify::StagedOp&&)>;

    RepoClassifier(const atproto::lexicon::Validator& validator, const RepoClassifyConfig& config)
        : records_(validator), config_(config) {}

    // Emits the repo's ops through `sink`, in order, or nothing and the reason it failed.
    [[nodiscard]] tl::expected<RepoSummary, RepoFailure> classify(const RepoInput& in, const Sink& sink);

private:
    classify::RecordClassifier records_;
    const RepoClassifyConfig& config_;
    atproto::verify::CommitVerifier verifier_;
    std::string detail_;
};

}  // namespace stages::backfill
