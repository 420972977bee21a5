#include "replay/repo_routes.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include <fmt/format.h>
#include <simdjson.h>

namespace replay {

namespace {

struct RepoData {
    std::vector<std::string> pages;    // minified listRepos pages
    std::vector<std::string> cursors;  // each page's cursor ("" for none)
    std::map<std::string, std::string> inactive;  // did → status of listed inactive repos
    std::filesystem::path cars;
};

HttpResponse xrpc_error(unsigned status, std::string_view error, std::string_view message) {
    return {status, "application/json", fmt::format(R"({{"error":"{}","message":"{}"}})", error, message)};
}

std::string status_error(const std::string& status) {
    if (status == "takendown") return "RepoTakendown";
    if (status == "suspended") return "RepoSuspended";
    if (status == "deactivated") return "RepoDeactivated";
    return "RepoNotFound";
}

}  // namespace

common::Result<std::vector<HttpRoute>> repo_routes(const std::string& capture_dir) {
    auto data = std::make_shared<RepoData>();
    data->cars = std::filesystem::path(capture_dir) / "repos";
    simdjson::dom::parser parser;
    simdjson::dom::array pages;
    const auto list = (std::filesystem::path(capture_dir) / "listRepos.json").string();
    if (parser.load(list).get(pages)) return common::fail("cannot read " + list);
    for (simdjson::dom::element page : pages) {
        data->pages.push_back(simdjson::minify(page));
        std::string_view cursor;
        data->cursors.emplace_back(page["cursor"].get(cursor) == simdjson::SUCCESS ? cursor : "");
        simdjson::dom::array repos;
        if (page["repos"].get(repos)) return common::fail("a page without repos in " + list);
        for (simdjson::dom::object repo : repos) {
            bool active = true;
            std::string_view status = "deactivated";
            // Both fields are optional: absent means active, no status.
            if (repo["active"].get(active) != simdjson::SUCCESS) active = true;
            if (repo["status"].get(status) != simdjson::SUCCESS) status = "deactivated";
            if (!active) data->inactive[std::string(std::string_view(repo["did"]))] = std::string(status);
        }
    }
    std::vector<HttpRoute> routes;
    routes.push_back({"/xrpc/com.atproto.sync.listRepos", [data](const HttpRequest& request) {
        std::size_t index = 0;
        if (const auto cursor = request.param("cursor")) {
            while (index < data->cursors.size() && data->cursors[index] != *cursor) ++index;
            ++index;
        }
        if (index >= data->pages.size()) return HttpResponse{200, "application/json", R"({"repos":[]})"};
        return HttpResponse{200, "application/json", data->pages[index]};
    }});
    routes.push_back({"/xrpc/com.atproto.sync.getRepo", [data](const HttpRequest& request) {
        const auto did = request.param("did");
        if (!did || did->find('/') != std::string::npos) return xrpc_error(400, "InvalidRequest", "bad did");
        const std::string key(*did);
        if (const auto it = data->inactive.find(key); it != data->inactive.end()) {
            return xrpc_error(400, status_error(it->second), "Repo is " + it->second);
        }
        std::ifstream in(data->cars / (key + ".car"), std::ios::binary);
        if (!in) return xrpc_error(400, "RepoNotFound", "Could not find repo for DID: " + key);
        return HttpResponse{200, "application/vnd.ipld.car", std::string(std::istreambuf_iterator<char>(in), {})};
    }});
    return routes;
}

}  // namespace replay
