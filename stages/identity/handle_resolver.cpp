#include "stages/identity/handle_resolver.hpp"

#include <utility>

namespace stages::identity {

namespace {

constexpr std::string_view whitespace = " \t\r\n\v\f";

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(whitespace);
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(whitespace);
    return text.substr(first, last - first + 1);
}

}  // namespace

HandleResolver::HandleResolver(const IdentityConfig& config, net::HttpClient& http, net::DnsTxtResolver& dns,
                               IdentityMetrics& metrics)
    : config_(config), http_(http), dns_(dns), metrics_(metrics) {}

std::optional<std::string> HandleResolver::did_from_txt(const std::vector<std::string>& records) {
    constexpr std::string_view prefix = "did=";
    std::optional<std::string> found;
    for (const auto& record : records) {
        if (!std::string_view(record).starts_with(prefix)) continue;
        if (found) return std::nullopt;
        found = record.substr(prefix.size());
    }
    return found;
}

std::optional<std::string> HandleResolver::did_from_wellknown(std::string_view body) {
    const auto line = trim(body.substr(0, body.find('\n')));
    if (!line.starts_with("did:")) return std::nullopt;
    return std::string(line);
}

void HandleResolver::resolve(const std::string& handle, Callback callback) {
    if (config_.handle_wellknown_base_url) return resolve_wellknown(handle, std::move(callback));
    bump(metrics_.dns_lookups_total);
    dns_.submit("_atproto." + handle, [this, handle, callback = std::move(callback)](net::TxtResult records) mutable {
        if (records) {
            if (auto did = did_from_txt(*records)) return callback(std::move(did));
        } else if (records.error().kind != net::DnsErrorKind::not_found) {
            bump(metrics_.dns_failures_total);
        }
        resolve_wellknown(handle, std::move(callback));
    });
}

void HandleResolver::resolve_wellknown(const std::string& handle, Callback callback) {
    bump(metrics_.wellknown_requests_total);
    net::HttpRequest request{.timeout = config_.handle_timeout, .max_body_bytes = config_.max_wellknown_bytes};
    if (config_.handle_wellknown_base_url) {
        std::string_view base = *config_.handle_wellknown_base_url;
        while (base.ends_with('/')) base.remove_suffix(1);
        request.url = std::string(base) + "/.well-known/atproto-did";
        request.host_header = handle;
    } else {
        request.url = "https://" + handle + "/.well-known/atproto-did";
    }
    http_.submit(std::move(request), [this, callback = std::move(callback)](net::HttpResult result) {
        // The reference reads any body; we also require a 2xx so that an error page never counts.
        if (!result || result->status < 200 || result->status > 299) {
            bump(metrics_.wellknown_failures_total);
            return callback(std::nullopt);
        }
        callback(did_from_wellknown(result->body));
    });
}

}  // namespace stages::identity
