// libFuzzer target: the CAR reader and block index, with and without hash checks.
#include <cstddef>
#include <cstdint>
#include <span>

#include "atproto/car/block_index.hpp"
#include "atproto/car/car_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
    for (const bool verify : {true, false}) {
        auto reader = atproto::car::CarReader::open(bytes, {.verify_hashes = verify});
        if (!reader) continue;
        auto index = atproto::car::BlockIndex::build(*reader);
        if (index && index->size() > index->sections()) __builtin_trap();
    }
    return 0;
}
