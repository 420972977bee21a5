// HTTP routes that let wintermute-replay stand in for the identity side of a recorded network:
// a PLC directory (GET /<did> from a folder of DID documents), handle resolution
// (GET /.well-known/atproto-did answered by the Host header, as HANDLE_WELLKNOWN_BASE_URL
// sends it) and the PDS's getLatestCommit from the recording's repo statuses.
// The documents' PDS endpoints (the recording network's http://localhost:PORT) are rewritten to
// `self_base`, so the daemon asks this server. Thread-safety: handlers only read their data.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "replay/http_route.hpp"

namespace replay {

// `plc_dir` holds <did>.json documents and handles.json (did → handle); `meta_file` the
// recording's meta.json (repoStatus). `self_base` is filled in once the server's port is known.
[[nodiscard]] common::Result<std::vector<HttpRoute>> identity_routes(const std::string& plc_dir,
                                                                     const std::string& meta_file,
                                                                     std::shared_ptr<const std::string> self_base);

}  // namespace replay
