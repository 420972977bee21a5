// Durability: how hard a spill queue pushes each commit to disk (docs/spill.md has the full table).
//   sync        fsync data and meta page on every commit: survives process kills and power loss.
//   nosync_meta fsync data, not the meta page: survives kills; power loss may undo the last commit(s).
//   nosync      no fsync, the OS writes back: survives process kills (kill -9 keeps the page cache);
//               power loss or a kernel crash may lose recent commits or corrupt the file.
// Thread-safety: plain functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace storage::spill {

enum class Durability : std::uint8_t { sync, nosync_meta, nosync };

[[nodiscard]] std::optional<Durability> parse_durability(std::string_view text) noexcept;
[[nodiscard]] std::string_view durability_name(Durability durability) noexcept;
// The MDB_* environment flags for the mode.
[[nodiscard]] unsigned durability_flags(Durability durability) noexcept;

}  // namespace storage::spill
