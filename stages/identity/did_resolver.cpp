#include "stages/identity/did_resolver.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace stages::identity {

namespace {

tl::unexpected<IdentityError> invalid(std::string message) {
    return tl::unexpected(IdentityError{IdentityErrorKind::invalid_document, std::move(message), std::nullopt});
}

bool is_host_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-';
}

tl::expected<std::string, IdentityError> did_web_url(std::string_view did, std::string_view id) {
    std::string host(id);
    if (host.find(':') != std::string::npos) return invalid(fmt::format("{}: did:web with a path", did));
    std::string port;
    const auto encoded = host.find("%3A") != std::string::npos ? host.find("%3A") : host.find("%3a");
    if (encoded != std::string::npos) {
        port = host.substr(encoded + 3);
        host.resize(encoded);
    }
    std::transform(host.begin(), host.end(), host.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const bool local = host == "localhost" || host == "127.0.0.1";
    const bool host_ok = !host.empty() && std::all_of(host.begin(), host.end(), is_host_char);
    const bool port_ok = port.empty() || (local && port.size() <= 5 &&
                                          std::all_of(port.begin(), port.end(), [](unsigned char c) {
                                              return std::isdigit(c) != 0;
                                          }));
    if (!host_ok || !port_ok) return invalid(fmt::format("{}: not a usable did:web host", did));
    return fmt::format("{}://{}{}/.well-known/did.json", local ? "http" : "https", host,
                       port.empty() ? "" : ":" + port);
}

}  // namespace

IdentityError http_failure(const net::HttpResult& result, std::string_view what) {
    if (!result) {
        const auto kind = result.error().kind;
        // A refused address or an absurd body will not change on retry.
        const bool permanent = kind == net::HttpErrorKind::refused_address ||
                               kind == net::HttpErrorKind::body_too_large || kind == net::HttpErrorKind::bad_url;
        return IdentityError{permanent ? IdentityErrorKind::invalid_document : IdentityErrorKind::transient,
                             fmt::format("{}: {} ({})", what, result.error().message, net::to_string(kind)),
                             std::nullopt};
    }
    const long status = result->status;
    const auto message = fmt::format("{}: HTTP {}", what, status);
    if (status == 404 || status == 410) return IdentityError{IdentityErrorKind::not_found, message, std::nullopt};
    if (status == 429 || status >= 500 || status < 200) {
        return IdentityError{IdentityErrorKind::transient, message, result->retry_after};
    }
    return IdentityError{IdentityErrorKind::invalid_document, message, std::nullopt};
}

DidResolver::DidResolver(const IdentityConfig& config, net::HttpClient& http, IdentityMetrics& metrics)
    : config_(config), http_(http), metrics_(metrics),
      plc_bucket_(config.plc_requests_per_second, config.plc_burst) {}

tl::expected<std::string, IdentityError> DidResolver::document_url(std::string_view did, std::string_view plc_url) {
    constexpr std::string_view plc_prefix = "did:plc:";
    constexpr std::string_view web_prefix = "did:web:";
    if (did.starts_with(plc_prefix) && did.size() > plc_prefix.size() &&
        std::all_of(did.begin() + plc_prefix.size(), did.end(),
                    [](unsigned char c) { return std::isalnum(c) != 0; })) {
        while (plc_url.ends_with('/')) plc_url.remove_suffix(1);
        return fmt::format("{}/{}", plc_url, did);
    }
    if (did.starts_with(web_prefix)) return did_web_url(did, did.substr(web_prefix.size()));
    return invalid(fmt::format("{}: unsupported DID", did));
}

void DidResolver::resolve(const std::string& did, Callback callback) {
    auto url = document_url(did, config_.plc_url);
    if (!url) return callback(tl::unexpected(url.error()));
    const bool is_plc = did.starts_with("did:plc:");
    net::HttpRequest request{.url = std::move(*url),
                             .headers = {"Accept: application/did+ld+json, application/json"},
                             .timeout = config_.did_timeout,
                             .max_body_bytes = config_.max_document_bytes};
    if (is_plc) {
        request.not_before = plc_bucket_.reserve(net::TokenBucket::Clock::now());
        bump(metrics_.plc_requests_total);
    } else {
        bump(metrics_.did_web_requests_total);
    }
    http_.submit(std::move(request), [this, did, is_plc, callback = std::move(callback)](net::HttpResult result) {
        callback(interpret(did, is_plc, std::move(result)));
    });
}

DocumentResult DidResolver::interpret(const std::string& did, bool is_plc, net::HttpResult result) {
    if (is_plc && result && result->status == 429) {
        bump(metrics_.plc_rate_limited_total);
        const auto pause = result->retry_after.value_or(std::chrono::seconds(1));
        plc_bucket_.pause_until(net::TokenBucket::Clock::now() + pause);
    }
    if (!result || result->status < 200 || result->status > 299) {
        return tl::unexpected(http_failure(result, did));
    }
    atproto::crypto::DidDocument document;
    {
        std::lock_guard lock(parser_mutex_);
        auto parsed = parser_.parse(result->body);
        if (!parsed) return invalid(fmt::format("{}: {}", did, parsed.error().message));
        document = std::move(*parsed);
    }
    if (document.id != did) return invalid(fmt::format("{}: document is for {}", did, document.id));
    return document;
}

}  // namespace stages::identity
