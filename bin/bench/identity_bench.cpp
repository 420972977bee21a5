#include "bin/bench/identity_bench.hpp"

#include "atproto/crypto/verifier.hpp"
#include "atproto/syntax/at_uri.hpp"
#include "atproto/syntax/datetime.hpp"
#include "atproto/syntax/identifier.hpp"
#include "atproto/syntax/tid.hpp"

#include <fmt/core.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bin::bench {

namespace {

using Clock = std::chrono::steady_clock;

// Runs `op` over `inputs` until ~0.3 s have passed; prints ns per call.
template <class Op>
void measure(std::string_view name, std::span<const std::string_view> inputs, Op op) {
    std::size_t calls = 0;
    std::size_t accepted = 0;
    const auto start = Clock::now();
    auto elapsed = Clock::duration{};
    while (elapsed < std::chrono::milliseconds(300)) {
        for (int round = 0; round < 1000; ++round) {
            for (auto input : inputs) accepted += op(input) ? 1 : 0;
        }
        calls += 1000 * inputs.size();
        elapsed = Clock::now() - start;
    }
    const double ns = std::chrono::duration<double, std::nano>(elapsed).count() / static_cast<double>(calls);
    fmt::print("{:<28} {:>9.1f} ns/call {:>12.0f} calls/s  (accepted {:.0f}%)\n", name, ns, 1e9 / ns,
               100.0 * static_cast<double>(accepted) / static_cast<double>(calls));
}

std::vector<std::uint8_t> from_hex(std::string_view hex) {
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<std::uint8_t>(std::stoul(std::string(hex.substr(i, 2)), nullptr, 16)));
    }
    return out;
}

// The valid vectors of atproto-interop-tests/crypto/signature-fixtures.json.
struct Vector {
    std::string_view name, did_key, message, signature;
};
constexpr std::array<Vector, 2> vectors = {{
    {"verify P-256", "did:key:zDnaembgSGUhZULN2Caob4HLJPaxBh92N7rtH21TErzqf8HQo", "a16568656c6c6f65776f726c64",
     "daf64db06dd42afbcefc20e5addbf2651212385ca58a7061d09ba973a29c5a82561311e9b427ddb8f95e0db1b7ae4a376199e7f4bc34223a62c5599ec490de82"},
    {"verify secp256k1", "did:key:zQ3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4sSpMdLJwc", "a16568656c6c6f65776f726c64",
     "e56a5d22e11451f55461aa33b22f06d01ddc58ed3d72065b208c20d6dd9829d527fc51339ce9ddb33fea82261bf3dcf0c5809b07bd5fef240ae4bafb35ab1fa0"},
}};

void bench_syntax() {
    namespace sx = atproto::syntax;
    const std::array<std::string_view, 3> dids = {"did:plc:7iza6de2dwap2sbkpav7c6c6", "did:web:example.com",
                                                  "did:plc:ewvi7nxzyoun6zhxrhs64oiz"};
    const std::array<std::string_view, 3> handles = {"alice.bsky.social", "konoha0407.bsky.social", "t045t.zmb.cm"};
    const std::array<std::string_view, 3> nsids = {"app.bsky.feed.post", "app.bsky.graph.follow", "fm.teal.alpha.actor.status"};
    const std::array<std::string_view, 2> uris = {"at://did:plc:2a7ygipkrbh544aqhcav53oy/app.bsky.feed.post/3mptbypluud2a",
                                                  "at://alice.bsky.social/app.bsky.feed.like/self"};
    const std::array<std::string_view, 2> tids = {"3mptbypluud2a", "3jzfcijpj2z2a"};
    const std::array<std::string_view, 3> times = {"2026-07-04T14:39:14.123Z", "2024-05-01T12:34:56.789123+02:00",
                                                   "1985-04-12T23:20:50Z"};
    measure("did", dids, sx::is_valid_did);
    measure("handle", handles, sx::is_valid_handle);
    measure("nsid", nsids, sx::is_valid_nsid);
    measure("at-uri parse", uris, [](std::string_view s) { return sx::parse_at_uri(s).has_value(); });
    measure("tid decode", tids, [](std::string_view s) { return sx::decode_tid(s).has_value(); });
    measure("datetime valid", times, sx::is_valid_datetime);
    measure("datetime normalise", times, [](std::string_view s) { return sx::normalize_datetime(s).has_value(); });
}

void bench_crypto() {
    namespace ac = atproto::crypto;
    ac::Verifier verifier;
    for (const auto& v : vectors) {
        const std::array<std::string_view, 1> did_key = {v.did_key};
        measure(fmt::format("parse {}", v.did_key.substr(8, 5)), did_key,
                [](std::string_view s) { return ac::PublicKey::from_did_key(s).has_value(); });
        const auto key = ac::PublicKey::from_did_key(v.did_key).value();
        const auto message = from_hex(v.message);
        const auto signature = from_hex(v.signature);
        const std::array<std::string_view, 1> one = {v.name};
        measure(v.name, one, [&](std::string_view) {
            return verifier.verify(key, message, signature) == ac::Verdict::valid;
        });
    }
}

}  // namespace

int identity(std::span<char* const> /*args*/) {
    bench_syntax();
    bench_crypto();
    return 0;
}

}  // namespace bin::bench
