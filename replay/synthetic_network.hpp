// A synthetic atproto network for the backfill benchmark: N repos holding M records in the
// network's mix (replay/synthetic_records), each a complete signed getRepo CAR (MST, v3 commit
// signed with the repo's own k256 key), with its DID document and handle. Written to a folder in
// the layout of a pds-capture (repos/<did>.car, listRepos.json, plc/<did>.json, plc/handles.json,
// meta.json), so replay::repo_routes and replay::identity_routes serve it as a relay, PDS and PLC
// directory on loopback. Deterministic for a seed. Thread-safety: a pure function of its inputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "common/result.hpp"
#include "replay/synthetic_records.hpp"

namespace replay {

struct SyntheticNetworkSpec {
    std::size_t repos = 3'000;
    std::size_t records = 200'000;  // in all, one profile per repo included
    std::uint64_t seed = 1;
    RecordMix mix;
    double size_spread = 1.2;       // sigma of the log-normal repo sizes: a few large repos, many small
    std::size_t page_size = 1'000;  // repos per listRepos page
};

struct SyntheticNetwork {
    std::size_t repos = 0;
    std::size_t records = 0;
    std::size_t largest_repo = 0;  // records
    std::uint64_t car_bytes = 0;
    std::map<std::string, std::size_t> collections;  // records per collection
};

// Error: `dir` cannot be written, or records < repos.
[[nodiscard]] common::Result<SyntheticNetwork> write_synthetic_network(const SyntheticNetworkSpec& spec,
                                                                       const std::filesystem::path& dir);

}  // namespace replay
