// Plain HTTP routes of the replay server (GET only): path → handler. The types are the shared ones
// of ops/http_route.hpp, so the replay server and the daemon's ops server answer HTTP the same way.
// Later issues add the relay's listRepos/getRepo here. Handlers run on the server's service thread
// and must not block for long.
#pragma once

#include "ops/http_route.hpp"

namespace replay {

using ops::HttpRequest;
using ops::HttpResponse;
using ops::HttpRoute;

}  // namespace replay
