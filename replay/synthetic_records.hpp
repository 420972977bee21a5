// SyntheticRecords: record JSON for generated repos in the network's mix (likes > posts > reposts
// > follows > blocks), with subjects pointing at other generated repos and posts, TID rkeys and
// createdAt from one increasing clock. Deterministic for a seed. Thread-safety: one per thread.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace replay {

// Shares of the records after each repo's profile; what is left over is blocks.
struct RecordMix {
    double like = 0.55;
    double post = 0.15;
    double repost = 0.15;
    double follow = 0.10;
};

struct PostRef {
    std::string uri;
    std::string cid;
};

struct SyntheticRecord {
    std::string collection;
    std::string rkey;
    std::string json;
};

class SyntheticRecords {
public:
    SyntheticRecords(std::uint64_t seed, const RecordMix& mix) : rng_(seed), mix_(mix) {}

    [[nodiscard]] SyntheticRecord profile(std::string_view handle);
    // One record of the mix. Likes, reposts, replies and quotes pick a post of `posts` (a post is
    // made instead while there is none); follows and blocks a DID of `dids` other than `did`.
    [[nodiscard]] SyntheticRecord next(std::string_view did, const std::vector<PostRef>& posts,
                                       const std::vector<std::string>& dids);

private:
    SyntheticRecord post(const std::vector<PostRef>& posts);
    SyntheticRecord subject_ref(std::string_view collection, const PostRef& subject);
    SyntheticRecord subject_did(std::string_view collection, std::string_view subject);
    std::string tick();  // the next rkey; created_ holds its time
    std::string text(std::size_t min_words, std::size_t max_words);
    std::size_t pick(std::size_t size);

    std::mt19937_64 rng_;
    RecordMix mix_;
    std::uint64_t micros_ = 1'735'689'600'000'000;  // 2025-01-01T00:00:00Z
    std::string created_;
};

}  // namespace replay
