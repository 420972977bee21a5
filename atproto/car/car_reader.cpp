#include "atproto/car/car_reader.hpp"

#include "atproto/cbor/reader.hpp"
#include "atproto/varint.hpp"

namespace atproto::car {

namespace {

tl::unexpected<Error> shifted(Error error, std::size_t base) {
    error.offset += base;
    return tl::unexpected<Error>(error);
}

// Reads the roots array of the header (its head already consumed).
Expected<void> read_roots(cbor::Reader& reader, std::uint64_t count, std::vector<Cid>& roots) {
    roots.reserve(count);
    for (std::uint64_t i = 0; i < count; ++i) {
        auto link = reader.next(cbor::Kind::link);
        if (!link) return tl::unexpected(link.error());
        auto cid = Cid::from_binary(link->bytes);
        if (!cid) return fail(Errc::unsupported_cid, link->offset);
        roots.push_back(*cid);
    }
    return {};
}

}  // namespace

Expected<CarReader> CarReader::open(std::span<const std::byte> car, Options options) {
    CarReader reader(car, options);
    if (auto r = reader.read_header(); !r) return tl::unexpected(r.error());
    return reader;
}

Expected<void> CarReader::read_header() {
    std::uint64_t size = 0;
    const auto status = read_varint(car_, pos_, size);
    if (status != VarintStatus::ok) return fail(status == VarintStatus::truncated ? Errc::truncated : Errc::bad_varint, 0);
    if (size == 0) return fail(Errc::bad_car_header, 0);
    if (size > car_.size() - pos_) return fail(Errc::truncated, pos_);
    const std::size_t base = pos_;
    cbor::Reader reader(car_.subspan(base, size));
    pos_ += size;
    auto map = reader.next(cbor::Kind::map);
    if (!map) {
        if (map.error().code == Errc::unexpected_type) return fail(Errc::bad_car_header, base);
        return shifted(map.error(), base);
    }
    bool have_roots = false;
    std::int64_t version = 0;
    for (std::uint64_t i = 0; i < map->count; ++i) {
        auto key = reader.next();
        if (!key) return shifted(key.error(), base);
        if (key->text == "roots" || key->text == "version") {
            const bool roots = key->text == "roots";
            auto value = reader.next(roots ? cbor::Kind::array : cbor::Kind::integer);
            if (!value) return shifted(value.error(), base);
            if (roots) {
                if (auto r = read_roots(reader, value->count, roots_); !r) return shifted(r.error(), base);
                have_roots = true;
            } else {
                version = value->integer;
            }
        } else if (auto r = reader.skip(); !r) {
            return shifted(r.error(), base);
        }
    }
    if (auto r = reader.finish(); !r) return shifted(r.error(), base);
    if (version != 1) return fail(Errc::unsupported_car_version, base);
    if (!have_roots) return fail(Errc::bad_car_header, base);
    return {};
}

Expected<bool> CarReader::next(Block& out) {
    if (pos_ == car_.size()) return false;
    const std::size_t start = pos_;
    std::uint64_t size = 0;
    const auto status = read_varint(car_, pos_, size);
    if (status != VarintStatus::ok)
        return fail(status == VarintStatus::truncated ? Errc::truncated : Errc::bad_varint, start);
    if (size == 0) return fail(Errc::empty_block_section, start);
    if (size > car_.size() - pos_) return fail(Errc::truncated, start);
    const auto section = car_.subspan(pos_, size);
    if (section.size() < Cid::binary_size) return fail(Errc::unsupported_cid, pos_);
    auto cid = Cid::from_binary(section.first(Cid::binary_size));
    if (!cid) return fail(Errc::unsupported_cid, pos_);
    pos_ += size;
    out.cid = *cid;
    out.data = section.subspan(Cid::binary_size);
    out.offset = start;
    if (options_.verify_hashes && !cid->matches(out.data)) return fail(Errc::block_hash_mismatch, start, *cid);
    return true;
}

}  // namespace atproto::car
