#include "stages/identity/identity_cache.hpp"

#include <array>
#include <cstdint>
#include <filesystem>

#include <fmt/format.h>

#include "storage/lmdb/cursor.hpp"
#include "storage/lmdb/error.hpp"
#include "storage/lmdb/txn.hpp"

namespace stages::identity {

namespace lmdb = storage::lmdb;
using SystemClock = std::chrono::system_clock;

namespace {

constexpr std::uint8_t format_version = 1;

std::uint64_t to_millis(SystemClock::time_point at) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
    return ms < 0 ? 0 : static_cast<std::uint64_t>(ms);
}

void put_u64(std::string& out, std::uint64_t value) {
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((value >> shift) & 0xff));
}

void put_text(std::string& out, std::string_view text) {
    const auto size = static_cast<std::uint16_t>(std::min<std::size_t>(text.size(), 0xffff));
    out.push_back(static_cast<char>(size >> 8));
    out.push_back(static_cast<char>(size & 0xff));
    out.append(text.substr(0, size));
}

// Reads the fields put_* wrote, refusing anything that runs past the end.
class Reader {
public:
    explicit Reader(std::string_view data) : data_(data) {}
    std::optional<std::uint64_t> u64() {
        if (data_.size() < 8) return std::nullopt;
        std::uint64_t value = 0;
        for (int i = 0; i < 8; ++i) value = (value << 8) | static_cast<unsigned char>(data_[static_cast<std::size_t>(i)]);
        data_.remove_prefix(8);
        return value;
    }
    std::optional<std::uint8_t> u8() {
        if (data_.empty()) return std::nullopt;
        const auto value = static_cast<std::uint8_t>(data_[0]);
        data_.remove_prefix(1);
        return value;
    }
    std::optional<std::string> text() {
        if (data_.size() < 2) return std::nullopt;
        const std::size_t size = (static_cast<unsigned char>(data_[0]) << 8) | static_cast<unsigned char>(data_[1]);
        if (data_.size() < 2 + size) return std::nullopt;
        std::string value(data_.substr(2, size));
        data_.remove_prefix(2 + size);
        return value;
    }

private:
    std::string_view data_;
};

std::string encode(const Identity& identity) {
    std::string out;
    out.push_back(static_cast<char>(format_version));
    put_u64(out, to_millis(identity.resolved_at));
    out.push_back(identity.handle ? '\1' : '\0');
    put_text(out, identity.handle.value_or(""));
    put_text(out, identity.pds_endpoint);
    put_text(out, identity.signing_key.did_key());
    return out;
}

std::optional<Identity> decode(std::string_view did, std::string_view data) {
    Reader reader(data);
    const auto version = reader.u8();
    const auto millis = reader.u64();
    const auto has_handle = reader.u8();
    auto handle = reader.text();
    auto pds = reader.text();
    const auto key_text = reader.text();
    if (version != format_version || !millis || !has_handle || !handle || !pds || !key_text) return std::nullopt;
    auto key = atproto::crypto::PublicKey::from_did_key(*key_text);
    if (!key) return std::nullopt;
    return Identity{.did = std::string(did),
                    .handle = *has_handle != 0 ? std::optional(std::move(*handle)) : std::nullopt,
                    .pds_endpoint = std::move(*pds),
                    .signing_key = std::move(*key),
                    .resolved_at = SystemClock::time_point(std::chrono::milliseconds(*millis))};
}

std::string time_key(std::uint64_t millis, std::string_view did) {
    std::string key;
    put_u64(key, millis);
    key.append(did);
    return key;
}

}  // namespace

common::Result<std::unique_ptr<IdentityCache>> IdentityCache::open(const IdentityConfig& config) {
    if (config.cache_dir.empty()) return common::fail("identity cache: no cache directory configured");
    try {
        lmdb::Env env(lmdb::EnvOptions{.path = config.cache_dir,
                                       .map_size = config.cache_map_bytes,
                                       .max_dbs = 2,
                                       .flags = MDB_NOMETASYNC});
        return std::unique_ptr<IdentityCache>(new IdentityCache(config, std::move(env)));
    } catch (const lmdb::LmdbError& error) {
        return common::fail(fmt::format("identity cache at {}: {}", config.cache_dir.string(), error.what()));
    } catch (const std::filesystem::filesystem_error& error) {
        return common::fail(fmt::format("identity cache at {}: {}", config.cache_dir.string(), error.what()));
    }
}

IdentityCache::IdentityCache(const IdentityConfig& config, lmdb::Env env)
    : verified_ttl_(config.verified_ttl), unverified_ttl_(config.unverified_ttl),
      max_entries_(std::max<std::size_t>(config.cache_max_entries, 1)), env_(std::move(env)) {
    lmdb::Txn txn(env_, lmdb::TxnMode::read_write);
    by_did_ = lmdb::Dbi::open(txn, "identity_by_did", MDB_CREATE);
    by_time_ = lmdb::Dbi::open(txn, "identity_by_time", MDB_CREATE);
    txn.commit();
}

std::optional<Identity> IdentityCache::get(std::string_view did, SystemClock::time_point now) const {
    lmdb::Txn txn(env_, lmdb::TxnMode::read_only);
    const auto value = txn.get(*by_did_, lmdb::as_bytes(did));
    if (!value) return std::nullopt;
    auto identity = decode(did, lmdb::as_text(*value));
    if (!identity) return std::nullopt;
    const auto ttl = identity->handle ? verified_ttl_ : unverified_ttl_;
    if (now - identity->resolved_at >= ttl) return std::nullopt;
    return identity;
}

std::size_t IdentityCache::put(const Identity& identity) {
    const std::string value = encode(identity);
    lmdb::Txn txn(env_, lmdb::TxnMode::read_write);
    if (const auto old = txn.get(*by_did_, lmdb::as_bytes(identity.did))) {
        if (auto millis = Reader(lmdb::as_text(*old).substr(1)).u64()) {
            txn.del(*by_time_, lmdb::as_bytes(time_key(*millis, identity.did)));
        }
    }
    txn.put(*by_did_, lmdb::as_bytes(identity.did), lmdb::as_bytes(value));
    txn.put(*by_time_, lmdb::as_bytes(time_key(to_millis(identity.resolved_at), identity.did)), lmdb::as_bytes(""));
    std::size_t evicted = 0;
    {
        lmdb::Cursor oldest(txn, *by_time_);
        for (auto entry = oldest.first(); entry && txn.entries(*by_did_) > max_entries_; entry = oldest.first()) {
            // Copied: the view points into a page that the deletes below may recycle.
            const std::string did(lmdb::as_text(entry->first).substr(8));
            oldest.del();
            txn.del(*by_did_, lmdb::as_bytes(did));
            ++evicted;
        }
    }
    txn.commit();
    return evicted;
}

bool IdentityCache::invalidate(std::string_view did) {
    lmdb::Txn txn(env_, lmdb::TxnMode::read_write);
    const auto old = txn.get(*by_did_, lmdb::as_bytes(did));
    if (!old) return false;
    if (auto millis = Reader(lmdb::as_text(*old).substr(1)).u64()) {
        txn.del(*by_time_, lmdb::as_bytes(time_key(*millis, did)));
    }
    txn.del(*by_did_, lmdb::as_bytes(did));
    txn.commit();
    return true;
}

std::size_t IdentityCache::size() const {
    lmdb::Txn txn(env_, lmdb::TxnMode::read_only);
    return txn.entries(*by_did_);
}

}  // namespace stages::identity
