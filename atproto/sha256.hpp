// SHA-256 through OpenSSL (CID digests, MST key heights, commit signing bytes).
// Thread-safety: sha256() is safe from any thread; each thread reuses its own digest context.
#pragma once

#include <array>
#include <cstddef>
#include <span>

namespace atproto {

using Digest = std::array<std::byte, 32>;

[[nodiscard]] Digest sha256(std::span<const std::byte> data);

}  // namespace atproto
