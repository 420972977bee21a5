// HTTP routes that let wintermute-replay stand in for a relay's or PDS's repo sync endpoints:
// com.atproto.sync.listRepos (paged from a recorded listRepos.json: no cursor → its first page,
// page i's cursor → page i+1) and com.atproto.sync.getRepo (repos/<did>.car; a listed inactive
// repo answers its status error, an unknown one RepoNotFound). Thread-safety: handlers only read.
#pragma once

#include <string>
#include <vector>

#include "common/result.hpp"
#include "replay/http_route.hpp"

namespace replay {

// `capture_dir` holds listRepos.json and repos/. Error: listRepos.json missing or malformed.
[[nodiscard]] common::Result<std::vector<HttpRoute>> repo_routes(const std::string& capture_dir);

}  // namespace replay
