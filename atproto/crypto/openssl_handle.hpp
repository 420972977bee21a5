// RAII owners for the OpenSSL handles used inside atproto/crypto (internal header:
// nothing outside this folder includes it). Each owner is move-only; thread-safety
// is that of the handle (one owner per thread unless OpenSSL documents otherwise).
#pragma once

#include <openssl/err.h>
#include <openssl/evp.h>

#include <memory>

namespace atproto::crypto::ossl {

template <class T, void (*Release)(T*)>
struct Free {
    void operator()(T* p) const noexcept { Release(p); }
};

using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Free<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Free<EVP_MD_CTX, EVP_MD_CTX_free>>;
using Md = std::unique_ptr<EVP_MD, Free<EVP_MD, EVP_MD_free>>;

// A failed OpenSSL call leaves entries in the thread's error queue; drop them so they
// do not surface in some unrelated later call on this thread.
inline void clear_errors() noexcept { ERR_clear_error(); }

}  // namespace atproto::crypto::ossl
