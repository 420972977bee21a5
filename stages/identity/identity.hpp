// What identity resolution yields: a resolved Identity (handle verified or null, PDS, signing key)
// or an IdentityError whose kind tells the caller what to do (not_found / invalid_document: write
// no actor row; transient / overloaded: try again later). Thread-safety: plain values.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "atproto/crypto/public_key.hpp"

namespace stages::identity {

struct Identity {
    std::string did;
    std::optional<std::string> handle;   // lower case; set only when verified both ways
    std::string pds_endpoint;
    atproto::crypto::PublicKey signing_key;
    std::chrono::system_clock::time_point resolved_at;
};

enum class IdentityErrorKind : std::uint8_t {
    not_found,          // the DID document does not exist (404/410)
    invalid_document,   // unusable document or DID: no signing key, handle claim or PDS; bad JSON; refused
    transient,          // network trouble, 5xx, 429 (retry_after set when the server said)
    overloaded,         // too many requests waiting; nothing was started
};

struct IdentityError {
    IdentityErrorKind kind = IdentityErrorKind::transient;
    std::string message;
    std::optional<std::chrono::seconds> retry_after;
};

using IdentityResult = tl::expected<Identity, IdentityError>;

// deleteActor's question (indexing-semantics §5.3): is the repo gone from its PDS?
enum class RepoPresence : std::uint8_t {
    gone,          // no DID document, no PDS, or the PDS answers RepoNotFound
    present,       // the PDS answers getLatestCommit, or refuses with another XRPC error
    retry_later,   // transient failure on the way
};

[[nodiscard]] std::string_view to_string(IdentityErrorKind kind) noexcept;
[[nodiscard]] std::string_view to_string(RepoPresence presence) noexcept;

}  // namespace stages::identity
