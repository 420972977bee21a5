#include "net/dns_txt.hpp"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

namespace net {

namespace {

tl::unexpected<DnsError> dns_error(DnsErrorKind kind, std::string message) {
    return tl::unexpected(DnsError{kind, std::move(message)});
}

// A res_state of our own: res_nclose frees what res_ninit allocated.
class ResolverState {
public:
    ResolverState() : ok_(res_ninit(&state_) == 0) {}
    ~ResolverState() { res_nclose(&state_); }
    ResolverState(const ResolverState&) = delete;
    ResolverState& operator=(const ResolverState&) = delete;

    [[nodiscard]] bool ok() const noexcept { return ok_; }
    [[nodiscard]] res_state get() noexcept { return &state_; }

private:
    struct __res_state state_ {};
    bool ok_;
};

std::optional<sockaddr_in> parse_nameserver(const std::string& text) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) return std::nullopt;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    if (inet_pton(AF_INET, text.substr(0, colon).c_str(), &address.sin_addr) != 1) return std::nullopt;
    unsigned port = 0;
    const char* first = text.data() + colon + 1;
    const char* last = text.data() + text.size();
    if (std::from_chars(first, last, port).ptr != last || port == 0 || port > 65535) return std::nullopt;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    return address;
}

}  // namespace

TxtResult lookup_txt(std::string_view name, const DnsConfig& config) {
    ResolverState resolver;
    if (!resolver.ok()) return dns_error(DnsErrorKind::failed, "res_ninit failed");
    res_state state = resolver.get();
    state->retrans = static_cast<int>(std::max<std::int64_t>(1, (config.timeout.count() + 999) / 1000));
    state->retry = std::max(1, config.attempts);
    if (config.nameserver) {
        auto address = parse_nameserver(*config.nameserver);
        if (!address) return dns_error(DnsErrorKind::failed, "bad nameserver " + *config.nameserver);
        state->nsaddr_list[0] = *address;
        state->nscount = 1;
    }
    std::array<unsigned char, 8192> answer{};
    const std::string query_name(name);
    const int length = res_nquery(state, query_name.c_str(), ns_c_in, ns_t_txt, answer.data(),
                                  static_cast<int>(answer.size()));
    if (length < 0) {
        // res_nquery reports through h_errno-style codes in the state.
        const int code = state->res_h_errno;
        if (code == HOST_NOT_FOUND || code == NO_DATA) {
            return dns_error(DnsErrorKind::not_found, fmt::format("{}: no TXT record", name));
        }
        return dns_error(DnsErrorKind::failed, fmt::format("{}: lookup failed ({})", name, hstrerror(code)));
    }
    const auto size = std::min(static_cast<std::size_t>(length), answer.size());
    return parse_txt_answer({answer.data(), size});
}

TxtResult parse_txt_answer(std::span<const unsigned char> message) {
    ns_msg handle{};
    if (ns_initparse(message.data(), static_cast<int>(message.size()), &handle) != 0) {
        return dns_error(DnsErrorKind::malformed, "unparsable DNS message");
    }
    std::vector<std::string> records;
    const int count = ns_msg_count(handle, ns_s_an);
    for (int i = 0; i < count; ++i) {
        ns_rr record{};
        if (ns_parserr(&handle, ns_s_an, i, &record) != 0) {
            return dns_error(DnsErrorKind::malformed, "unparsable DNS answer record");
        }
        if (ns_rr_type(record) != ns_t_txt) continue;   // e.g. a CNAME on the way
        const unsigned char* data = ns_rr_rdata(record);
        const std::size_t length = ns_rr_rdlen(record);
        std::string text;
        for (std::size_t at = 0; at < length;) {
            const std::size_t chunk = data[at];
            if (at + 1 + chunk > length) return dns_error(DnsErrorKind::malformed, "TXT string overruns its record");
            text.append(reinterpret_cast<const char*>(data + at + 1), chunk);
            at += 1 + chunk;
        }
        records.push_back(std::move(text));
    }
    return records;
}

}  // namespace net
