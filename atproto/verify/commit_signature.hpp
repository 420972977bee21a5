// Repo commit signature check: the ECDSA signature in the commit's `sig` over the DAG-CBOR of
// the commit map without `sig` (repo::unsigned_commit), with the account's atproto key.
// Thread-safety: one CommitVerifier per worker thread (it owns a crypto::Verifier and a buffer).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "atproto/crypto/verifier.hpp"
#include "atproto/error.hpp"

namespace atproto::verify {

class CommitVerifier {
public:
    // An error when the block is not a decodable commit; otherwise the signature's verdict.
    [[nodiscard]] Expected<crypto::Verdict> verify(std::span<const std::byte> commit_block,
                                                   const crypto::PublicKey& key);

private:
    crypto::Verifier verifier_;
    std::vector<std::byte> unsigned_;  // reused between calls
};

}  // namespace atproto::verify
