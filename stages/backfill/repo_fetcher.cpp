#include "stages/backfill/repo_fetcher.hpp"

#include "common/stoppable_sleep.hpp"

#include <algorithm>
#include <condition_variable>
#include <future>
#include <mutex>

#include <fmt/core.h>
#include <simdjson.h>

#include "net/percent_encode.hpp"

namespace stages::backfill {

namespace {

// The XRPC error name of an error body ({"error":"RepoNotFound",…}); empty when there is none.
std::string xrpc_error(const std::string& body) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    std::string_view name;
    if (parser.parse(body).get(root) != simdjson::SUCCESS || root["error"].get(name) != simdjson::SUCCESS) return {};
    return std::string(name);
}

}  // namespace

std::optional<std::string> inactive_status(std::string_view error) {
    if (error == "RepoTakendown") return "takendown";
    if (error == "RepoDeactivated") return "deactivated";
    if (error == "RepoSuspended") return "suspended";
    if (error == "RepoNotFound") return "not found";
    return std::nullopt;
}

FetchedRepo RepoFetcher::fetch(const std::string& did, std::stop_token stop) {
    FetchedRepo out;
    auto delay = config_.retry_initial;
    for (int attempt = 0; attempt < config_.attempts; ++attempt) {
        if (attempt > 0 && !common::sleep_unless_stopped(std::min(delay, config_.retry_max), stop)) break;
        delay *= 2;
        if (stop.stop_requested()) break;
        if (!out.identity && resolve(did, out, delay) == Step::done) return out;
        if (!out.identity) continue;
        if (get_repo(did, out, delay) == Step::done) return out;
    }
    if (stop.stop_requested()) out.status = FetchStatus::stopped;
    return out;
}

RepoFetcher::Step RepoFetcher::resolve(const std::string& did, FetchedRepo& out, std::chrono::milliseconds& delay) {
    std::promise<identity::IdentityResult> promise;
    auto answer = promise.get_future();
    identity_.resolve(did, false, [&promise](identity::IdentityResult result) { promise.set_value(std::move(result)); });
    auto result = answer.get();
    if (result) {
        out.identity = std::move(*result);
        return Step::retry;  // resolved: go on to getRepo in the same attempt
    }
    const auto& error = result.error();
    out.detail = fmt::format("identity {}: {}", identity::to_string(error.kind), error.message);
    if (error.kind == identity::IdentityErrorKind::not_found ||
        error.kind == identity::IdentityErrorKind::invalid_document) {
        out.status = FetchStatus::failed;
        return Step::done;
    }
    if (error.retry_after) delay = std::max<std::chrono::milliseconds>(delay, *error.retry_after);
    out.status = FetchStatus::failed;
    return Step::retry;
}

RepoFetcher::Step RepoFetcher::get_repo(const std::string& did, FetchedRepo& out, std::chrono::milliseconds& delay) {
    auto pds = out.identity->pds_endpoint;
    while (pds.ends_with('/')) pds.pop_back();
    net::HttpRequest request;
    request.url = fmt::format("{}/xrpc/com.atproto.sync.getRepo?did={}", pds, net::percent_encode(did));
    request.timeout = config_.timeout;
    request.max_body_bytes = config_.max_car_bytes;
    request.headers.emplace_back("Accept: application/vnd.ipld.car");
    auto result = http_.fetch(request).get();
    if (!result) {
        const auto kind = result.error().kind;
        out.detail = fmt::format("getRepo {}: {}: {}", pds, net::to_string(kind), result.error().message);
        out.status = kind == net::HttpErrorKind::shutdown ? FetchStatus::stopped : FetchStatus::failed;
        const bool permanent = kind == net::HttpErrorKind::body_too_large ||
                               kind == net::HttpErrorKind::refused_address || kind == net::HttpErrorKind::bad_url ||
                               kind == net::HttpErrorKind::shutdown;
        if (kind == net::HttpErrorKind::body_too_large) {
            out.detail = fmt::format("CAR larger than the limit of {} bytes", config_.max_car_bytes);
        }
        return permanent ? Step::done : Step::retry;
    }
    if (result->status == 200) {
        out.status = FetchStatus::ok;
        out.car = std::move(result->body);
        out.detail.clear();
        return Step::done;
    }
    const auto error = xrpc_error(result->body);
    out.detail = fmt::format("getRepo {}: HTTP {}{}", pds, result->status, error.empty() ? "" : " " + error);
    if (const auto status = inactive_status(error)) {
        out.status = FetchStatus::inactive;
        out.detail = *status;
        return Step::done;
    }
    if (result->retry_after) delay = std::max<std::chrono::milliseconds>(delay, *result->retry_after);
    if (result->status == 429) {
        out.status = FetchStatus::retry_later;
        return Step::retry;
    }
    out.status = FetchStatus::failed;
    // Other 4xx answers will not change by asking again.
    return result->status >= 500 || result->status == 408 ? Step::retry : Step::done;
}

}  // namespace stages::backfill
