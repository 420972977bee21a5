// Txn: one LMDB transaction, read-only or read-write; aborted by the destructor unless commit() was called.
// Thread-safety: one thread at a time. Views returned by get() die with the transaction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "storage/lmdb/bytes.hpp"
#include "storage/lmdb/dbi.hpp"
#include "storage/lmdb/env.hpp"

namespace storage::lmdb {

enum class TxnMode : std::uint8_t { read_only, read_write };

class [[nodiscard]] Txn {
public:
    Txn(const Env& env, TxnMode mode);  // Throws: LmdbError (e.g. MDB_MAP_RESIZED, MDB_READERS_FULL).

    void commit();  // Throws: LmdbError (MDB_MAP_FULL when the map cannot hold the freed-page list).
    void abort() noexcept;

    [[nodiscard]] MDB_txn* get() const noexcept { return txn_.get(); }
    [[nodiscard]] std::optional<Bytes> get(Dbi dbi, Bytes key) const;
    // Throws: LmdbError (MDB_MAP_FULL when the map is full, MDB_KEYEXIST under MDB_NOOVERWRITE / MDB_APPEND).
    void put(Dbi dbi, Bytes key, Bytes value, unsigned flags = 0);
    // Returns false when the key was absent.
    bool del(Dbi dbi, Bytes key);
    [[nodiscard]] std::size_t entries(Dbi dbi) const;

private:
    struct Abort {
        void operator()(MDB_txn* txn) const noexcept { mdb_txn_abort(txn); }
    };
    std::unique_ptr<MDB_txn, Abort> txn_;
};

}  // namespace storage::lmdb
