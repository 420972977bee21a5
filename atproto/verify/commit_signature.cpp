#include "atproto/verify/commit_signature.hpp"

#include "atproto/repo/commit.hpp"

namespace atproto::verify {

Expected<crypto::Verdict> CommitVerifier::verify(std::span<const std::byte> commit_block,
                                                 const crypto::PublicKey& key) {
    auto commit = repo::decode_commit(commit_block);
    if (!commit) return tl::unexpected(commit.error());
    unsigned_.clear();
    if (auto r = repo::unsigned_commit(commit_block, unsigned_); !r) return tl::unexpected(r.error());
    return verifier_.verify(key, std::span<const std::byte>(unsigned_), commit->sig);
}

}  // namespace atproto::verify
