#include "replay/identity_routes.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

#include <fmt/format.h>
#include <simdjson.h>

namespace replay {

namespace {

struct IdentityData {
    std::map<std::string, std::string> documents;  // did → document JSON
    std::map<std::string, std::string> dids;       // handle → did
    std::map<std::string, std::string> status;     // did → "ok" or "<http status> <json>"
    std::map<std::string, std::string> latest;     // did → getLatestCommit body, from listRepos.json
};

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

common::Result<void> load(IdentityData& data, const std::string& plc_dir, const std::string& meta_file) {
    namespace fs = std::filesystem;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(plc_dir, ec)) {
        const auto name = entry.path().filename().string();
        if (!name.starts_with("did:") || !name.ends_with(".json") || name.ends_with(".audit.json")) continue;
        data.documents[name.substr(0, name.size() - 5)] = read_text(entry.path());
    }
    if (ec) return common::fail(fmt::format("cannot read {}: {}", plc_dir, ec.message()));
    simdjson::dom::parser parser;
    simdjson::dom::object handles;
    if (parser.load(plc_dir + "/handles.json").get(handles)) return common::fail("cannot read handles.json in " + plc_dir);
    for (auto [did, handle] : handles) data.dids[std::string(std::string_view(handle))] = std::string(did);
    simdjson::dom::parser meta_parser;
    simdjson::dom::object status;
    if (meta_parser.load(meta_file)["repoStatus"].get(status)) return common::fail("no repoStatus in " + meta_file);
    for (auto [did, s] : status) data.status[std::string(did)] = std::string(std::string_view(s));
    // Each repo's head and rev at the end of the recording, from listRepos.json beside meta.json.
    simdjson::dom::parser pages_parser;
    simdjson::dom::array pages;
    const auto list = std::filesystem::path(meta_file).parent_path() / "listRepos.json";
    if (pages_parser.load(list.string()).get(pages)) return common::fail("cannot read " + list.string());
    for (auto page : pages) {
        for (auto repo : page["repos"].get_array()) {
            data.latest[std::string(std::string_view(repo["did"]))] =
                fmt::format(R"({{"cid":"{}","rev":"{}"}})", std::string_view(repo["head"]), std::string_view(repo["rev"]));
        }
    }
    return {};
}

HttpResponse json(unsigned status, std::string body) { return {status, "application/json", std::move(body)}; }

}  // namespace

common::Result<std::vector<HttpRoute>> identity_routes(const std::string& plc_dir, const std::string& meta_file,
                                                       std::shared_ptr<const std::string> self_base) {
    auto data = std::make_shared<IdentityData>();
    if (auto loaded = load(*data, plc_dir, meta_file); !loaded) return tl::unexpected(loaded.error());
    std::vector<HttpRoute> routes;
    routes.push_back({"/did:*", [data, self_base](const HttpRequest& request) {
        const auto it = data->documents.find(request.path.substr(1));
        if (it == data->documents.end()) return json(404, R"({"message":"DID not registered"})");
        static const std::regex recorded_pds(R"(http://localhost:[0-9]+)");
        return json(200, std::regex_replace(it->second, recorded_pds, *self_base));
    }});
    routes.push_back({"/.well-known/atproto-did", [data](const HttpRequest& request) {
        const auto host = request.host.substr(0, request.host.find(':'));
        const auto it = data->dids.find(host);
        if (it == data->dids.end()) return HttpResponse{404, "text/plain", "no such handle"};
        return HttpResponse{200, "text/plain", it->second};
    }});
    routes.push_back({"/xrpc/com.atproto.sync.getLatestCommit", [data](const HttpRequest& request) {
        const auto did = request.param("did");
        const auto it = did ? data->status.find(std::string(*did)) : data->status.end();
        if (it == data->status.end()) {
            return json(400, R"({"error":"RepoNotFound","message":"Could not find repo"})");
        }
        if (it->second == "ok") {
            const auto latest = data->latest.find(it->first);
            if (latest != data->latest.end()) return json(200, latest->second);
            return json(400, R"({"error":"RepoNotFound","message":"not in listRepos"})");
        }
        // "<status> <json body>" as the recording's PDS answered.
        const auto space = it->second.find(' ');
        return json(static_cast<unsigned>(std::stoul(it->second.substr(0, space))), it->second.substr(space + 1));
    }});
    return routes;
}

}  // namespace replay
