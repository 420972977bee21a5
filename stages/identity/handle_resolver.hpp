// HandleResolver: handle → DID, asynchronously, as the reference resolver does: the one `did=`
// TXT record at `_atproto.<handle>`, else the first line of https://<handle>/.well-known/atproto-did.
// With handle_wellknown_base_url set (test networks), DNS is skipped and the well-known request
// goes to that base with `Host: <handle>`. Any failure means "no DID".
// Thread-safety: resolve() from any thread; callbacks run on a DNS or HTTP thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/dns_txt_resolver.hpp"
#include "net/http_client.hpp"
#include "stages/identity/identity_config.hpp"
#include "stages/identity/identity_metrics.hpp"

namespace stages::identity {

class HandleResolver {
public:
    using Callback = std::function<void(std::optional<std::string> did)>;

    HandleResolver(const IdentityConfig& config, net::HttpClient& http, net::DnsTxtResolver& dns,
                   IdentityMetrics& metrics);

    // Never blocks; the callback runs exactly once.
    void resolve(const std::string& handle, Callback callback);

    // The DID of exactly one `did=` record among `records`; nullopt for none or several.
    [[nodiscard]] static std::optional<std::string> did_from_txt(const std::vector<std::string>& records);
    // The first line of a well-known body, trimmed, if it starts with `did:`.
    [[nodiscard]] static std::optional<std::string> did_from_wellknown(std::string_view body);

private:
    void resolve_wellknown(const std::string& handle, Callback callback);

    const IdentityConfig& config_;
    net::HttpClient& http_;
    net::DnsTxtResolver& dns_;
    IdentityMetrics& metrics_;
};

}  // namespace stages::identity
