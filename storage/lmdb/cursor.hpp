// Cursor: walks one database inside one transaction, in key order (memcmp of the key bytes).
// Thread-safety: that of its Txn. Returned views die with the transaction. A cursor of a read-write transaction
// must be destroyed before that transaction commits or aborts (LMDB frees it with the transaction).
#pragma once

#include <memory>
#include <optional>
#include <utility>

#include "storage/lmdb/bytes.hpp"
#include "storage/lmdb/dbi.hpp"
#include "storage/lmdb/txn.hpp"

namespace storage::lmdb {

class Cursor {
public:
    using Entry = std::pair<Bytes, Bytes>;  // key, value

    Cursor(const Txn& txn, Dbi dbi);  // Throws: LmdbError.

    std::optional<Entry> first();
    std::optional<Entry> last();
    std::optional<Entry> next();
    // First entry whose key is >= `key`.
    std::optional<Entry> seek(Bytes key);
    // The entry with exactly this key.
    std::optional<Entry> find(Bytes key);
    // Deletes the entry under the cursor. Throws: LmdbError.
    void del();

private:
    std::optional<Entry> move(MDB_val* key, MDB_cursor_op op);

    struct Close {
        void operator()(MDB_cursor* cursor) const noexcept { mdb_cursor_close(cursor); }
    };
    std::unique_ptr<MDB_cursor, Close> cursor_;
};

}  // namespace storage::lmdb
