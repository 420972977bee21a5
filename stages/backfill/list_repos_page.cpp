#include "stages/backfill/list_repos_page.hpp"

#include <simdjson.h>

#include "atproto/syntax/identifier.hpp"

namespace stages::backfill {

namespace {

std::optional<ListedRepo> listed_of(simdjson::dom::object entry) {
    ListedRepo repo;
    std::string_view did, head, rev, status;
    if (entry["did"].get(did) != simdjson::SUCCESS || !atproto::syntax::is_valid_did(did)) return std::nullopt;
    if (entry["head"].get(head) != simdjson::SUCCESS || entry["rev"].get(rev) != simdjson::SUCCESS) return std::nullopt;
    repo.did = std::string(did);
    repo.head = std::string(head);
    repo.rev = std::string(rev);
    bool active = true;
    if (entry["active"].get(active) == simdjson::SUCCESS) repo.active = active;
    if (entry["status"].get(status) == simdjson::SUCCESS) repo.status = std::string(status);
    return repo;
}

}  // namespace

common::Result<ListReposPage> parse_list_repos_page(std::string_view json) {
    simdjson::dom::parser parser;
    simdjson::dom::object root;
    if (auto error = parser.parse(json.data(), json.size()).get(root); error) {
        return common::fail(std::string("listRepos page is not JSON: ") + simdjson::error_message(error));
    }
    simdjson::dom::array repos;
    if (root["repos"].get(repos) != simdjson::SUCCESS) return common::fail("listRepos page without a repos array");
    ListReposPage page;
    for (simdjson::dom::element element : repos) {
        simdjson::dom::object entry;
        std::optional<ListedRepo> repo;
        if (element.get(entry) == simdjson::SUCCESS) repo = listed_of(entry);
        if (repo) page.repos.push_back(std::move(*repo));
        else ++page.dropped;
    }
    std::string_view cursor;
    if (root["cursor"].get(cursor) == simdjson::SUCCESS && !cursor.empty()) page.cursor = std::string(cursor);
    return page;
}

}  // namespace stages::backfill
