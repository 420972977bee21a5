// IdentityCache: DID → resolved Identity in LMDB under the data directory, so restarts do not
// re-resolve the network. Entries expire (verified handles after verified_ttl, unverified after
// unverified_ttl) and the oldest resolutions are evicted beyond max_entries. Losing recent
// entries on a crash is harmless (they are re-resolved). Thread-safety: every member may be
// called from any thread; readers run concurrently, writers are serialised by LMDB.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "stages/identity/identity.hpp"
#include "stages/identity/identity_config.hpp"
#include "storage/lmdb/dbi.hpp"
#include "storage/lmdb/env.hpp"

namespace stages::identity {

class IdentityCache {
public:
    // Opens (creating) the environment at config.cache_dir. Errors: unusable directory or LMDB.
    [[nodiscard]] static common::Result<std::unique_ptr<IdentityCache>> open(const IdentityConfig& config);

    // A fresh entry (resolved less than its TTL before `now`), else nullopt.
    [[nodiscard]] std::optional<Identity> get(std::string_view did, std::chrono::system_clock::time_point now) const;
    // Replaces the entry of identity.did; returns how many old entries were evicted.
    // Throws: storage::lmdb::LmdbError (e.g. a map too small for max_entries).
    std::size_t put(const Identity& identity);
    // Returns false when there was no entry.
    bool invalidate(std::string_view did);
    [[nodiscard]] std::size_t size() const;

private:
    IdentityCache(const IdentityConfig& config, storage::lmdb::Env env);

    std::chrono::seconds verified_ttl_;
    std::chrono::seconds unverified_ttl_;
    std::size_t max_entries_;
    storage::lmdb::Env env_;
    std::optional<storage::lmdb::Dbi> by_did_;    // did → encoded entry
    std::optional<storage::lmdb::Dbi> by_time_;   // big-endian resolved-at ms + did → empty
};

}  // namespace stages::identity
