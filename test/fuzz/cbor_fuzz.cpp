// libFuzzer target: the DAG-CBOR reader, the JSON writer and CID parsing on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "atproto/cbor/json.hpp"
#include "atproto/cbor/reader.hpp"
#include "atproto/cid.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
    const bool valid = atproto::cbor::validate(bytes).has_value();
    std::string json;
    if (atproto::cbor::to_json(bytes, json).has_value() != valid) __builtin_trap();
    // A sequence of values, as in firehose frames (header then body).
    atproto::cbor::Reader reader(bytes);
    while (reader.offset() < size && reader.skip()) {
    }
    atproto::cbor::Reader maps(bytes);
    if (auto map = maps.next(); map && map->kind == atproto::cbor::Kind::map) {
        std::uint64_t left = map->count;
        (void)maps.find_key(left, "$type");
    }
    (void)atproto::Cid::from_binary(bytes);
    (void)atproto::Cid::from_link(bytes);
    (void)atproto::Cid::from_string(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
