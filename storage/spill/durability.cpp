#include "storage/spill/durability.hpp"

#include <lmdb.h>

namespace storage::spill {

std::optional<Durability> parse_durability(std::string_view text) noexcept {
    if (text == "sync") return Durability::sync;
    if (text == "nosync_meta") return Durability::nosync_meta;
    if (text == "nosync") return Durability::nosync;
    return std::nullopt;
}

std::string_view durability_name(Durability durability) noexcept {
    switch (durability) {
        case Durability::sync: return "sync";
        case Durability::nosync_meta: return "nosync_meta";
        case Durability::nosync: return "nosync";
    }
    return "unknown";
}

unsigned durability_flags(Durability durability) noexcept {
    switch (durability) {
        case Durability::sync: return 0;
        case Durability::nosync_meta: return MDB_NOMETASYNC;
        case Durability::nosync: return MDB_NOSYNC;
    }
    return 0;
}

}  // namespace storage::spill
