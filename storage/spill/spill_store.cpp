#include "storage/spill/spill_store.hpp"

#include <algorithm>

#include "storage/spill/big_endian.hpp"

namespace storage::spill {

namespace {

lmdb::EnvOptions env_options(const SpillConfig& config) {
    return lmdb::EnvOptions{.path = config.path,
                            .map_size = config.initial_map_bytes,
                            .max_dbs = 4,
                            .flags = durability_flags(config.durability)};
}

lmdb::Dbi open_named(lmdb::Env& env, const std::string& name) {
    lmdb::Txn txn(env, lmdb::TxnMode::read_write);
    auto dbi = lmdb::Dbi::open(txn, name, MDB_CREATE);
    txn.commit();
    return dbi;
}

}  // namespace

SpillStore::SpillStore(const SpillConfig& config)
    : config_(config), env_(env_options(config)), meta_(open_named(env_, "meta")) {
    recorded_map_bytes_ = counter(read(), map_counter);
    map_bytes_ = env_.map_size();
    if (recorded_map_bytes_ > map_bytes_) {
        env_.set_map_size(recorded_map_bytes_);
        map_bytes_ = recorded_map_bytes_;
    }
}

lmdb::Dbi SpillStore::open_db(const std::string& name) { return open_named(env_, name); }

std::uint64_t SpillStore::counter(const lmdb::Txn& txn, std::string_view name) const {
    const auto value = txn.get(meta_, lmdb::as_bytes(name));
    if (!value || value->size() != 8) return 0;
    return decode_u64(*value);
}

void SpillStore::set_counter(lmdb::Txn& txn, std::string_view name, std::uint64_t value) {
    txn.put(meta_, lmdb::as_bytes(name), encode_u64(value));
}

bool SpillStore::map_full(const lmdb::LmdbError& error) noexcept { return error.code() == MDB_MAP_FULL; }

void SpillStore::grow() {
    const std::size_t current = map_bytes_;
    if (current >= config_.max_map_bytes) {
        throw lmdb::LmdbError(MDB_MAP_FULL, "spill map reached max_map_bytes at " + config_.path.string());
    }
    // Every transaction of this process runs under the owner's lock, and the failed one was aborted, so no
    // transaction is open here as mdb_env_set_mapsize requires.
    env_.set_map_size(std::min(current * 2, config_.max_map_bytes));
    map_bytes_ = env_.map_size();
    ++grows_;
}

}  // namespace storage::spill
