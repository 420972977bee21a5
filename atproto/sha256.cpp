#include "atproto/sha256.hpp"

#include <memory>
#include <stdexcept>

#include <openssl/evp.h>

namespace atproto {

namespace {

struct FreeMd {
    void operator()(EVP_MD* md) const noexcept { EVP_MD_free(md); }
};
struct FreeCtx {
    void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};

// OpenSSL 3's one-shot SHA256() fetches the algorithm on every call; fetching once and reusing
// one context per thread keeps small blocks (most records are < 300 bytes) cheap.
struct Hasher {
    std::unique_ptr<EVP_MD, FreeMd> md{EVP_MD_fetch(nullptr, "SHA256", nullptr)};
    std::unique_ptr<EVP_MD_CTX, FreeCtx> ctx{EVP_MD_CTX_new()};

    Hasher() {
        if (!md || !ctx) throw std::runtime_error("OpenSSL: cannot set up SHA-256");
    }
};

}  // namespace

Digest sha256(std::span<const std::byte> data) {
    thread_local Hasher hasher;
    Digest out{};
    unsigned int len = 0;
    if (EVP_DigestInit_ex2(hasher.ctx.get(), hasher.md.get(), nullptr) != 1 ||
        EVP_DigestUpdate(hasher.ctx.get(), data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(hasher.ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len) != 1 ||
        len != out.size()) {
        throw std::runtime_error("OpenSSL: SHA-256 failed");
    }
    return out;
}

}  // namespace atproto
