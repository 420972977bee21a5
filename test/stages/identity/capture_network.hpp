// CaptureNetwork: the identity side of ../shared/fixtures/pds-capture served on 127.0.0.1 — a PLC
// directory with the recorded DID documents (their PDS endpoints rewritten to the local PDS), and
// a PDS that answers /.well-known/atproto-did by Host header from plc/handles.json,
// getLatestCommit from meta.json's repoStatus, and /.well-known/did.json for did:web tests.
// Tests may override any DID document or handle. Thread-safety: set overrides before resolving.
#pragma once

#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include <simdjson.h>

#include "test/support/fixtures.hpp"
#include "test/support/http_test_server.hpp"

namespace identity_test {

using test_support::TestHttpRequest;
using test_support::TestHttpResponse;
using test_support::TestHttpServer;

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

inline std::string capture_path(const std::string& relative) {
    return test_support::shared_path("fixtures/pds-capture/" + relative);
}

// did → string value of a flat JSON object file (handles.json, meta.json's repoStatus).
inline std::map<std::string, std::string> string_map(const std::string& json, const char* member = nullptr) {
    simdjson::dom::parser parser;
    simdjson::dom::object object = parser.parse(json).get_object();
    if (member != nullptr) object = object[member].get_object();
    std::map<std::string, std::string> out;
    for (auto field : object) out.emplace(std::string(field.key), std::string(field.value.get_string().value()));
    return out;
}

class CaptureNetwork {
public:
    CaptureNetwork()
        : handles_(string_map(read_file(capture_path("plc/handles.json")))),
          repo_status_(string_map(read_file(capture_path("meta.json")), "repoStatus")),
          pds_([this](const TestHttpRequest& request) { return pds(request); }),
          plc_([this](const TestHttpRequest& request) { return plc(request); }) {
        for (const auto& [did, handle] : handles_) handle_to_did_[handle] = did;
    }

    [[nodiscard]] const std::map<std::string, std::string>& handles() const { return handles_; }
    TestHttpServer& pds_server() { return pds_; }
    TestHttpServer& plc_server() { return plc_; }

    // The recorded document with its PDS endpoints pointing at the local PDS.
    [[nodiscard]] std::string document(const std::string& did) const {
        const std::string text = read_file(capture_path("plc/" + did + ".json"));
        if (text.empty()) return text;
        return std::regex_replace(text, std::regex("http://localhost:[0-9]+"), pds_.base_url());
    }

    std::map<std::string, TestHttpResponse> plc_overrides;   // did → answer of the directory
    std::map<std::string, std::string> handle_overrides;     // handle → well-known body
    std::map<std::string, std::string> did_web_documents;    // Host header → did.json body

private:
    TestHttpResponse plc(const TestHttpRequest& request) {
        const std::string did = request.path.substr(1);
        if (auto it = plc_overrides.find(did); it != plc_overrides.end()) return it->second;
        const std::string text = did.find('/') == std::string::npos ? document(did) : std::string();
        if (text.empty()) return TestHttpResponse{.status = 404, .body = R"({"message":"DID not registered"})"};
        return TestHttpResponse{.body = text};
    }

    TestHttpResponse pds(const TestHttpRequest& request) {
        std::string host = request.header("host");
        host = host.substr(0, host.find(':'));
        if (request.path == "/.well-known/atproto-did") return well_known(host);
        if (request.path == "/.well-known/did.json" && did_web_documents.count(host) != 0) {
            return TestHttpResponse{.body = did_web_documents.at(host)};
        }
        if (request.path == "/xrpc/com.atproto.sync.getLatestCommit") return latest_commit(request.query);
        return TestHttpResponse{.status = 404, .body = "{}"};
    }

    TestHttpResponse well_known(const std::string& handle) const {
        if (auto it = handle_overrides.find(handle); it != handle_overrides.end()) {
            return TestHttpResponse{.body = it->second, .content_type = "text/plain"};
        }
        if (auto it = handle_to_did_.find(handle); it != handle_to_did_.end()) {
            return TestHttpResponse{.body = it->second + "\n", .content_type = "text/plain"};
        }
        return TestHttpResponse{.status = 404, .body = "not found", .content_type = "text/plain"};
    }

    // "ok" → a commit; "400 {…}" → that status and XRPC error body, as the recorded PDS answered.
    TestHttpResponse latest_commit(const std::string& query) const {
        const std::string did = query.rfind("did=", 0) == 0 ? query.substr(4) : std::string();
        const auto it = repo_status_.find(did);
        if (it == repo_status_.end()) {
            return TestHttpResponse{.status = 400, .body = R"({"error":"RepoNotFound","message":"unknown"})"};
        }
        if (it->second == "ok") return TestHttpResponse{.body = R"({"cid":"bafyreib","rev":"3lxyz"})"};
        const auto space = it->second.find(' ');
        return TestHttpResponse{.status = std::stoi(it->second.substr(0, space)), .body = it->second.substr(space + 1)};
    }

    std::map<std::string, std::string> handles_;
    std::map<std::string, std::string> handle_to_did_;
    std::map<std::string, std::string> repo_status_;
    TestHttpServer pds_;
    TestHttpServer plc_;
};

}  // namespace identity_test
