#include "storage/lmdb/env.hpp"

#include "storage/lmdb/error.hpp"

namespace storage::lmdb {

Env::Env(const EnvOptions& options) {
    std::filesystem::create_directories(options.path);
    MDB_env* raw = nullptr;
    check(mdb_env_create(&raw), "mdb_env_create");
    env_.reset(raw);
    check(mdb_env_set_mapsize(raw, options.map_size), "mdb_env_set_mapsize");
    check(mdb_env_set_maxdbs(raw, options.max_dbs), "mdb_env_set_maxdbs");
    // MDB_NOTLS: read transactions are not tied to the thread that opened them, so short read transactions can be
    // begun by whichever worker holds the caller's lock.
    const auto path = options.path.string();
    check(mdb_env_open(raw, path.c_str(), options.flags | MDB_NOTLS, 0644), "mdb_env_open " + path);
    // A killed process leaves its reader slots behind; clear them so they do not pin old pages forever.
    int dead = 0;
    check(mdb_reader_check(raw, &dead), "mdb_reader_check");
}

std::size_t Env::map_size() const {
    MDB_envinfo info{};
    check(mdb_env_info(env_.get(), &info), "mdb_env_info");
    return info.me_mapsize;
}

void Env::set_map_size(std::size_t bytes) {
    check(mdb_env_set_mapsize(env_.get(), bytes), "mdb_env_set_mapsize");
}

void Env::sync(bool force) {
    check(mdb_env_sync(env_.get(), force ? 1 : 0), "mdb_env_sync");
}

}  // namespace storage::lmdb
