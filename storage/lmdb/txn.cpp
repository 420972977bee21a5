#include "storage/lmdb/txn.hpp"

#include "storage/lmdb/error.hpp"

namespace storage::lmdb {

Txn::Txn(const Env& env, TxnMode mode) {
    MDB_txn* raw = nullptr;
    const unsigned flags = mode == TxnMode::read_only ? MDB_RDONLY : 0;
    check(mdb_txn_begin(env.get(), nullptr, flags, &raw), "mdb_txn_begin");
    txn_.reset(raw);
}

void Txn::commit() {
    // mdb_txn_commit frees the handle whether or not it succeeds.
    check(mdb_txn_commit(txn_.release()), "mdb_txn_commit");
}

void Txn::abort() noexcept { txn_.reset(); }

std::optional<Bytes> Txn::get(Dbi dbi, Bytes key) const {
    MDB_val k = to_val(key);
    MDB_val v{};
    const int rc = mdb_get(txn_.get(), dbi.get(), &k, &v);
    if (rc == MDB_NOTFOUND) return std::nullopt;
    check(rc, "mdb_get");
    return from_val(v);
}

void Txn::put(Dbi dbi, Bytes key, Bytes value, unsigned flags) {
    MDB_val k = to_val(key);
    MDB_val v = to_val(value);
    check(mdb_put(txn_.get(), dbi.get(), &k, &v, flags), "mdb_put");
}

bool Txn::del(Dbi dbi, Bytes key) {
    MDB_val k = to_val(key);
    const int rc = mdb_del(txn_.get(), dbi.get(), &k, nullptr);
    if (rc == MDB_NOTFOUND) return false;
    check(rc, "mdb_del");
    return true;
}

std::size_t Txn::entries(Dbi dbi) const {
    MDB_stat stat{};
    check(mdb_stat(txn_.get(), dbi.get(), &stat), "mdb_stat");
    return stat.ms_entries;
}

}  // namespace storage::lmdb
