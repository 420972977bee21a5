// The dashboard's files, compiled into the binary from ops/assets/ by ops/embed_assets.py.
// Thread-safety: immutable static data.
#pragma once

#include <span>
#include <string_view>

namespace ops {

struct EmbeddedAsset {
    std::string_view path;           // the URL path it is served at
    std::string_view content_type;
    std::string_view body;
};

[[nodiscard]] std::span<const EmbeddedAsset> embedded_assets();

}  // namespace ops
