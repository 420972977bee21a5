// SpillStore: the LMDB environment under one spill queue. Opens it in the configured durability mode, opens named
// databases, keeps uint64 counters in the "meta" database, and runs write transactions that grow the map and retry
// when it is full. Thread-safety: none; the owning queue serialises every call (and every transaction, so that
// the map can be resized) with its own lock.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/lmdb/dbi.hpp"
#include "storage/lmdb/env.hpp"
#include "storage/lmdb/error.hpp"
#include "storage/lmdb/txn.hpp"
#include "storage/spill/spill_config.hpp"

namespace storage::spill {

class SpillStore {
public:
    explicit SpillStore(const SpillConfig& config);  // Throws: lmdb::LmdbError, filesystem_error.

    lmdb::Dbi open_db(const std::string& name);
    [[nodiscard]] lmdb::Txn read() const { return lmdb::Txn(env_, lmdb::TxnMode::read_only); }

    // Runs body(txn) in a write transaction and commits. When the map fills, aborts, doubles the map and runs
    // body again on a fresh transaction, so body must only touch the transaction and its own locals.
    // Throws: lmdb::LmdbError (MDB_MAP_FULL once max_map_bytes is reached).
    template <class Body>
    void write(Body&& body) {
        for (;;) {
            try {
                lmdb::Txn txn(env_, lmdb::TxnMode::read_write);
                body(txn);
                if (map_bytes_ != recorded_map_bytes_) set_counter(txn, map_counter, map_bytes_);
                txn.commit();
                recorded_map_bytes_ = map_bytes_;
                return;
            } catch (const lmdb::LmdbError& error) {
                if (!map_full(error)) throw;
            }
            grow();
        }
    }

    [[nodiscard]] std::uint64_t counter(const lmdb::Txn& txn, std::string_view name) const;
    void set_counter(lmdb::Txn& txn, std::string_view name, std::uint64_t value);

    [[nodiscard]] std::size_t map_bytes() const noexcept { return map_bytes_; }
    [[nodiscard]] std::uint64_t map_grows() const noexcept { return grows_; }
    // Forces buffered commits to disk, whatever the durability mode.
    void sync() { env_.sync(true); }

private:
    // LMDB reopens a file at its used size, not at the map size it had; remembering the grown size in "meta"
    // spares the next process from growing all over again.
    static constexpr std::string_view map_counter = "map_bytes";

    static bool map_full(const lmdb::LmdbError& error) noexcept;
    void grow();

    SpillConfig config_;
    lmdb::Env env_;
    lmdb::Dbi meta_;
    std::size_t map_bytes_ = 0;
    std::size_t recorded_map_bytes_ = 0;
    std::uint64_t grows_ = 0;
};

}  // namespace storage::spill
