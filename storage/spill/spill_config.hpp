// SpillConfig: where a spill queue lives and how it behaves. Plain struct with defaults; the pipeline config fills
// it (one per spill file). Thread-safety: a plain value type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>

#include "storage/spill/durability.hpp"

namespace storage::spill {

struct SpillConfig {
    std::filesystem::path path;                                   // directory for data.mdb/lock.mdb
    Durability durability = Durability::nosync;                   // kill-safe; see durability.hpp
    std::size_t initial_map_bytes = std::size_t{64} << 20;        // doubled whenever it fills
    std::size_t max_map_bytes = std::size_t{1} << 40;             // growth stops here (MDB_MAP_FULL thrown)
    std::uint64_t high_water_items = 0;                           // 0: no item limit
    std::uint64_t high_water_bytes = 0;                           // 0: no byte limit
};

}  // namespace storage::spill
