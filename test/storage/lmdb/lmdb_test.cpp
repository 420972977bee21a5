#include <catch2/catch.hpp>

#include <string>

#include "storage/lmdb/cursor.hpp"
#include "storage/lmdb/error.hpp"
#include "storage/spill/big_endian.hpp"
#include "test/storage/temp_dir.hpp"

using namespace storage::lmdb;
using storage::spill::decode_u64;
using storage::spill::encode_u64;

namespace {
Dbi open_db(Env& env, const std::string& name) {
    Txn txn(env, TxnMode::read_write);
    auto dbi = Dbi::open(txn, name, MDB_CREATE);
    txn.commit();
    return dbi;
}
}  // namespace

TEST_CASE("a committed write is visible to later reads and an aborted one is not", "[lmdb][txn]") {
    test_support::TempDir dir;
    Env env(EnvOptions{.path = dir.path() / "env"});
    const auto db = open_db(env, "kv");
    {
        Txn txn(env, TxnMode::read_write);
        txn.put(db, as_bytes("kept"), as_bytes("1"));
        txn.commit();
    }
    {
        Txn txn(env, TxnMode::read_write);
        txn.put(db, as_bytes("dropped"), as_bytes("2"));
    }  // destructor aborts
    Txn read(env, TxnMode::read_only);
    REQUIRE(read.get(db, as_bytes("kept")).has_value());
    CHECK(as_text(*read.get(db, as_bytes("kept"))) == "1");
    CHECK_FALSE(read.get(db, as_bytes("dropped")).has_value());
    CHECK(read.entries(db) == 1);
}

TEST_CASE("a cursor walks big-endian keys in numeric order and seeks to the next key", "[lmdb][cursor]") {
    test_support::TempDir dir;
    Env env(EnvOptions{.path = dir.path()});
    const auto db = open_db(env, "seq");
    {
        Txn txn(env, TxnMode::read_write);
        for (std::uint64_t id : {300u, 2u, 70000u, 256u}) txn.put(db, encode_u64(id), as_bytes("x"));
        txn.commit();
    }
    Txn txn(env, TxnMode::read_only);
    Cursor cursor(txn, db);
    std::vector<std::uint64_t> seen;
    for (auto entry = cursor.first(); entry; entry = cursor.next()) seen.push_back(decode_u64(entry->first));
    CHECK(seen == std::vector<std::uint64_t>{2, 256, 300, 70000});
    CHECK(decode_u64(cursor.seek(encode_u64(257))->first) == 300);
    CHECK_FALSE(cursor.find(encode_u64(257)).has_value());
    CHECK(decode_u64(cursor.last()->first) == 70000);
    CHECK_FALSE(cursor.seek(encode_u64(70001)).has_value());
}

TEST_CASE("a write in a read-only transaction throws LmdbError with the code and context", "[lmdb][error]") {
    test_support::TempDir dir;
    Env env(EnvOptions{.path = dir.path()});
    const auto db = open_db(env, "kv");
    Txn txn(env, TxnMode::read_only);
    try {
        txn.put(db, as_bytes("k"), as_bytes("v"));
        FAIL("put succeeded");
    } catch (const LmdbError& error) {
        CHECK(error.code() == EACCES);
        CHECK(std::string(error.what()).find("mdb_put") != std::string::npos);
    }
}

TEST_CASE("a full map reports MDB_MAP_FULL and growing it lets the write through", "[lmdb][env]") {
    test_support::TempDir dir;
    Env env(EnvOptions{.path = dir.path(), .map_size = 64 * 1024});
    const auto db = open_db(env, "kv");
    const std::string big(256 * 1024, 'x');
    auto write_big = [&] {
        Txn txn(env, TxnMode::read_write);
        txn.put(db, as_bytes("big"), as_bytes(big));
        txn.commit();
    };
    try {
        write_big();
        FAIL("write into a 64 KiB map succeeded");
    } catch (const LmdbError& error) {
        CHECK(error.code() == MDB_MAP_FULL);
    }
    env.set_map_size(std::size_t{4} << 20);
    CHECK(env.map_size() == std::size_t{4} << 20);
    write_big();
    Txn read(env, TxnMode::read_only);
    CHECK(read.get(db, as_bytes("big"))->size() == big.size());
}
