// EventClassifier: one decoded firehose or label frame → the ClassifiedEvent the writer applies
// (indexing-semantics.md §1.2 says what each event type does). Records go through the
// RecordClassifier; the commit's CAR slice is parsed (and its block hashes checked) here.
// Thread-safety: one instance per worker; the metrics are shared atomics.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <memory>

#include <spdlog/logger.h>

#include "atproto/car/block_index.hpp"
#include "atproto/crypto/public_key.hpp"
#include "atproto/frame/frame.hpp"
#include "atproto/verify/commit_signature.hpp"
#include "stages/classify/classified_event.hpp"
#include "stages/classify/record_classifier.hpp"

namespace stages::classify {

// The collections the original's indexer_*_events_total metrics count (creates, updates, deletes).
enum class CountedCollection : std::uint8_t { post, like, follow, repost, block, profile, other };

[[nodiscard]] CountedCollection counted_collection(std::string_view collection) noexcept;

struct ClassifyMetrics {
    std::atomic<std::uint64_t> commits{0}, syncs{0}, identities{0}, accounts{0}, labels{0}, infos{0};
    std::atomic<std::uint64_t> error_frames{0}, unknown_frames{0}, bad_cars{0};
    std::atomic<std::uint64_t> records_staged{0}, deletes_staged{0};
    std::atomic<std::uint64_t> commits_verified{0}, commits_unverified{0}, commits_failed_verification{0};
    std::array<std::atomic<std::uint64_t>, 7> records_rejected{};  // by Rejection
    std::array<std::atomic<std::uint64_t>, 7> collection_events{};  // by CountedCollection
};

struct ClassifyConfig {
    bool verify_block_hashes = true;
    // Commits of repos whose signing key is known are checked: signature, and the Sync 1.1
    // inversion of their ops to prevData. A failing commit writes nothing; its repo is re-fetched.
    bool verify_commits = true;
    // The repo's current signing key, when known (the identity cache); empty: none are checked.
    std::function<std::optional<atproto::crypto::PublicKey>(std::string_view did)> signing_key;
};

class EventClassifier {
public:
    EventClassifier(const atproto::lexicon::Validator& validator, const ClassifyConfig& config,
                    ClassifyMetrics& metrics, std::shared_ptr<spdlog::logger> log)
        : records_(validator), config_(config), metrics_(metrics), log_(std::move(log)) {}

    // Appends the frame's ops and requests to `out` (whose source/ordinal the caller set).
    void classify(const atproto::frame::Frame& frame, ClassifiedEvent& out);

private:
    void commit(const atproto::frame::Commit& c, ClassifiedEvent& out);
    void sync(const atproto::frame::Sync& s, ClassifiedEvent& out);
    void account(const atproto::frame::Account& a, ClassifiedEvent& out);
    void labels(const atproto::frame::Labels& l, ClassifiedEvent& out);
    void reject(Rejection why, std::string_view uri, const std::string& detail);
    // False (logged, counted) when a commit of a repo with a known key fails its checks.
    bool verified(const atproto::frame::Commit& c, const atproto::car::BlockIndex& blocks);

    RecordClassifier records_;
    const ClassifyConfig& config_;
    ClassifyMetrics& metrics_;
    std::shared_ptr<spdlog::logger> log_;
    std::string detail_;
    std::string cid_text_;  // the record's CID as text, reused from op to op
    atproto::car::BlockIndex blocks_;  // the commit's blocks; reused, so a commit does not allocate a table
    atproto::verify::CommitVerifier verifier_;
};

}  // namespace stages::classify
