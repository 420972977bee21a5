#include "storage/lmdb/cursor.hpp"

#include "storage/lmdb/error.hpp"

namespace storage::lmdb {

Cursor::Cursor(const Txn& txn, Dbi dbi) {
    MDB_cursor* raw = nullptr;
    check(mdb_cursor_open(txn.get(), dbi.get(), &raw), "mdb_cursor_open");
    cursor_.reset(raw);
}

std::optional<Cursor::Entry> Cursor::move(MDB_val* key, MDB_cursor_op op) {
    MDB_val scratch{};
    MDB_val* k = key != nullptr ? key : &scratch;
    MDB_val v{};
    const int rc = mdb_cursor_get(cursor_.get(), k, &v, op);
    if (rc == MDB_NOTFOUND) return std::nullopt;
    check(rc, "mdb_cursor_get");
    return Entry{from_val(*k), from_val(v)};
}

std::optional<Cursor::Entry> Cursor::first() { return move(nullptr, MDB_FIRST); }
std::optional<Cursor::Entry> Cursor::last() { return move(nullptr, MDB_LAST); }
std::optional<Cursor::Entry> Cursor::next() { return move(nullptr, MDB_NEXT); }

std::optional<Cursor::Entry> Cursor::seek(Bytes key) {
    MDB_val k = to_val(key);
    return move(&k, MDB_SET_RANGE);
}

std::optional<Cursor::Entry> Cursor::find(Bytes key) {
    MDB_val k = to_val(key);
    return move(&k, MDB_SET_KEY);
}

void Cursor::del() { check(mdb_cursor_del(cursor_.get(), 0), "mdb_cursor_del"); }

}  // namespace storage::lmdb
