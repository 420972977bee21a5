// `wintermute inspect frames FILE`: prints a `[u32 little-endian length][frame]…` capture as JSON
// lines, one per frame: header, body fields (all but `blocks`) and, for #commit, each op with its
// record. A bad frame is one line on stderr; the rest still print and the exit status is 1.
#pragma once

#include <string>

namespace bin {

int inspect_frames(const std::string& path);

}  // namespace bin
