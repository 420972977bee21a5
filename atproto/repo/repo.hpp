// A repo CAR (getRepo export or firehose slice) opened in one step: header, block index, and
// the decoded commit of the single root. Walk its records with MstWalker(repo.blocks,
// repo.commit.data). Thread-safety: a plain value; views point into the caller's CAR buffer.
#pragma once

#include <span>
#include <vector>

#include "atproto/car/block_index.hpp"
#include "atproto/car/car_reader.hpp"
#include "atproto/cid.hpp"
#include "atproto/error.hpp"
#include "atproto/repo/commit.hpp"

namespace atproto::repo {

struct Repo {
    std::vector<Cid> roots;
    car::BlockIndex blocks;
    Cid commit_cid;  // roots[0]
    std::span<const std::byte> commit_block;
    Commit commit;
};

// Errors: any CAR error; bad_car_header when there is no root; missing_block naming the root
// when the commit block is absent; commit decoding errors (with the commit CID).
[[nodiscard]] Expected<Repo> open_repo(std::span<const std::byte> car, car::Options options = {});

}  // namespace atproto::repo
