// Dbi: a named database inside an Env. LMDB keeps the handle open for the Env's lifetime, so this is a plain value.
// Thread-safety: open it once (in a write transaction that commits) before sharing it between threads.
#pragma once

#include <string>

#include <lmdb.h>

namespace storage::lmdb {

class Txn;

class Dbi {
public:
    // Opens (with MDB_CREATE in `flags`, creates) the named database. Throws: LmdbError.
    static Dbi open(Txn& txn, const std::string& name, unsigned flags);

    [[nodiscard]] MDB_dbi get() const noexcept { return dbi_; }

private:
    explicit Dbi(MDB_dbi dbi) noexcept : dbi_(dbi) {}
    MDB_dbi dbi_;
};

}  // namespace storage::lmdb
