#include "storage/lmdb/dbi.hpp"

#include "storage/lmdb/error.hpp"
#include "storage/lmdb/txn.hpp"

namespace storage::lmdb {

Dbi Dbi::open(Txn& txn, const std::string& name, unsigned flags) {
    MDB_dbi dbi = 0;
    check(mdb_dbi_open(txn.get(), name.c_str(), flags, &dbi), "mdb_dbi_open " + name);
    return Dbi(dbi);
}

}  // namespace storage::lmdb
