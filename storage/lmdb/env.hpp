// Env: an open LMDB environment (one directory holding data.mdb and lock.mdb).
// Thread-safety: the handle may be shared by threads; set_map_size() needs that no transaction of this process is
// open (callers serialise it with their own lock). Open one Env per directory per process, never across fork().
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>

#include <lmdb.h>

namespace storage::lmdb {

struct EnvOptions {
    std::filesystem::path path;             // a directory; created if missing
    std::size_t map_size = std::size_t{64} << 20;
    unsigned max_dbs = 4;
    unsigned flags = 0;                     // MDB_* environment flags (MDB_NOTLS is always added)
};

class Env {
public:
    explicit Env(const EnvOptions& options);  // Throws: LmdbError, std::filesystem::filesystem_error.

    [[nodiscard]] MDB_env* get() const noexcept { return env_.get(); }
    [[nodiscard]] std::size_t map_size() const;
    // Grows (or shrinks, down to the used size) the map. Needs no open transaction in this process.
    void set_map_size(std::size_t bytes);
    // Flushes buffers to disk; `force` flushes even in MDB_NOSYNC / MDB_NOMETASYNC modes.
    void sync(bool force);

private:
    struct Close {
        void operator()(MDB_env* env) const noexcept { mdb_env_close(env); }
    };
    std::unique_ptr<MDB_env, Close> env_;
};

}  // namespace storage::lmdb
