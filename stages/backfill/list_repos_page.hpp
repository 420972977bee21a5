// One page of com.atproto.sync.listRepos: the repos it lists and the cursor of the next page.
// Entries with an invalid DID are dropped (counted), never passed on.
// Thread-safety: a pure function; results are values.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace stages::backfill {

struct ListedRepo {
    std::string did;
    std::string head;  // commit CID
    std::string rev;
    bool active = true;  // absent means active
    std::optional<std::string> status;
};

struct ListReposPage {
    std::vector<ListedRepo> repos;
    std::optional<std::string> cursor;  // nullopt or empty repos: the listing is complete
    std::size_t dropped = 0;            // entries without a valid did, head or rev
};

// Error: not JSON, or no `repos` array.
[[nodiscard]] common::Result<ListReposPage> parse_list_repos_page(std::string_view json);

}  // namespace stages::backfill
