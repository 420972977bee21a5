// Event-stream frames of com.atproto.sync.subscribeRepos and com.atproto.label.subscribeLabels:
// a DAG-CBOR header {op, t} followed by a DAG-CBOR body, decoded into typed structs whose
// strings and byte ranges are views into the frame. Unknown body fields are skipped (the lexicon
// may grow); a frame whose known fields have the wrong type is an error.
// Thread-safety: pure functions; a Frame's views live as long as the frame bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "atproto/cid.hpp"
#include "atproto/error.hpp"

namespace atproto::frame {

struct RepoOp {
    std::string_view action;  // "create" | "update" | "delete"
    std::string_view path;    // "<collection>/<rkey>"
    std::optional<Cid> cid;   // null for deletes
    std::optional<Cid> prev;  // sync 1.1: the record's previous CID (update, delete)
};

struct Commit {
    std::int64_t seq = 0;
    bool rebase = false;
    bool too_big = false;
    std::string_view repo;
    Cid commit;
    std::string_view rev;
    std::optional<std::string_view> since;
    std::span<const std::byte> blocks;  // CAR slice, root = commit
    std::vector<RepoOp> ops;
    std::optional<Cid> prev_data;  // sync 1.1: MST root of the previous commit
    std::string_view time;
};

struct Sync {
    std::int64_t seq = 0;
    std::string_view did;
    std::span<const std::byte> blocks;  // CAR with just the signed commit
    std::string_view rev;
    std::string_view time;
};

struct Identity {
    std::int64_t seq = 0;
    std::string_view did;
    std::string_view time;
    std::optional<std::string_view> handle;
};

struct Account {
    std::int64_t seq = 0;
    std::string_view did;
    std::string_view time;
    bool active = false;
    std::optional<std::string_view> status;
};

struct Info {
    std::string_view name;
    std::optional<std::string_view> message;
};

struct Label {
    std::string_view src;
    std::string_view uri;
    std::optional<std::string_view> cid;
    std::string_view val;
    bool neg = false;
    std::string_view cts;
    std::optional<std::string_view> exp;
};

struct Labels {
    std::int64_t seq = 0;
    std::vector<Label> labels;
};

// op = -1: the server reports an error and closes the stream.
struct ErrorFrame {
    std::string_view error;  // FutureCursor, ConsumerTooSlow, …
    std::optional<std::string_view> message;
};

// A message type this decoder does not know: ignored, as the spec requires.
struct Unknown {
    std::string_view type;
};

using Body = std::variant<Commit, Sync, Identity, Account, Info, Labels, ErrorFrame, Unknown>;

struct Frame {
    std::int64_t op = 0;
    std::string_view type;  // "#commit", …; empty for error frames
    Body body;
};

// Decodes one whole websocket message. Errors carry the byte offset in the frame.
[[nodiscard]] Expected<Frame> decode_frame(std::span<const std::byte> bytes);

// The `seq` of frames that have one (commit, sync, identity, account, labels).
[[nodiscard]] std::optional<std::int64_t> seq_of(const Frame& frame) noexcept;

}  // namespace atproto::frame
