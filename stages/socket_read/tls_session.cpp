#include "stages/socket_read/tls_session.hpp"

#include <arpa/inet.h>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace stages::socket_read {
namespace {

// OpenSSL's queued errors as one line (and the queue emptied, so they do not leak into the next).
std::string openssl_errors(std::string_view what) {
    std::string out(what);
    while (const unsigned long e = ERR_get_error()) {
        char text[256];
        ERR_error_string_n(e, text, sizeof text);
        out += "; ";
        out += text;
    }
    return out;
}

bool is_ip_literal(const std::string& host) {
    unsigned char address[16];
    return inet_pton(AF_INET, host.c_str(), address) == 1 || inet_pton(AF_INET6, host.c_str(), address) == 1;
}

}  // namespace

void TlsContext::Free::operator()(SSL_CTX* ctx) const noexcept { SSL_CTX_free(ctx); }
void TlsSession::Free::operator()(SSL* ssl) const noexcept { SSL_free(ssl); }

common::Result<TlsContext> TlsContext::create(const std::string& ca_file) {
    SSL_CTX* raw = SSL_CTX_new(TLS_client_method());
    if (raw == nullptr) return common::fail(openssl_errors("cannot create a TLS context"));
    TlsContext context(raw);
    SSL_CTX_set_min_proto_version(raw, TLS1_2_VERSION);
    SSL_CTX_set_verify(raw, SSL_VERIFY_PEER, nullptr);
    const int loaded = ca_file.empty() ? SSL_CTX_set_default_verify_paths(raw)
                                       : SSL_CTX_load_verify_locations(raw, ca_file.c_str(), nullptr);
    if (loaded != 1) return common::fail(openssl_errors(fmt::format("cannot load CA certificates from {}", ca_file)));
    return context;
}

common::Result<TlsSession> TlsSession::start(const TlsContext& context, const std::string& host) {
    SSL* raw = SSL_new(context.get());
    if (raw == nullptr) return common::fail(openssl_errors("cannot create a TLS session"));
    TlsSession session(raw);
    BIO* in = BIO_new(BIO_s_mem());
    BIO* out = BIO_new(BIO_s_mem());
    if (in == nullptr || out == nullptr) {
        BIO_free(in);
        BIO_free(out);
        return common::fail("cannot create TLS buffers");
    }
    BIO_set_mem_eof_return(in, -1);  // an empty input means "wait for more", not end of stream
    SSL_set_bio(raw, in, out);       // the session owns both now
    if (is_ip_literal(host)) {
        if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(raw), host.c_str()) != 1) {
            return common::fail(openssl_errors("cannot set the address to verify"));
        }
    } else if (SSL_set_tlsext_host_name(raw, host.c_str()) != 1 || SSL_set1_host(raw, host.c_str()) != 1) {
        return common::fail(openssl_errors("cannot set the host name to verify"));
    }
    SSL_set_connect_state(raw);
    if (auto advanced = session.advance(); !advanced) return tl::unexpected(advanced.error());
    return session;
}

common::Result<void> TlsSession::advance() {
    if (established_) return {};
    const int done = SSL_do_handshake(ssl_.get());
    if (done == 1) {
        established_ = true;
        if (!held_.empty()) return send(std::exchange(held_, {}));
        return {};
    }
    const int error = SSL_get_error(ssl_.get(), done);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return {};
    const long verified = SSL_get_verify_result(ssl_.get());
    if (verified != X509_V_OK) {
        ERR_clear_error();
        return common::fail(fmt::format("TLS: the relay's certificate does not verify: {}",
                                        X509_verify_cert_error_string(verified)));
    }
    return common::fail(openssl_errors("TLS handshake failed"));
}

common::Result<void> TlsSession::receive(std::span<const std::byte> records, const Deliver& deliver) {
    // SSL_get_error reads this thread's error queue: nothing older may be left in it.
    ERR_clear_error();
    if (!records.empty() && BIO_write(SSL_get_rbio(ssl_.get()), records.data(), static_cast<int>(records.size())) !=
                                static_cast<int>(records.size())) {
        return common::fail("cannot buffer received TLS records");
    }
    if (auto advanced = advance(); !advanced || !established_) return advanced;
    if (!scratch_) scratch_ = std::make_unique_for_overwrite<std::byte[]>(scratch_bytes);
    for (;;) {
        std::size_t got = 0;
        if (SSL_read_ex(ssl_.get(), scratch_.get(), scratch_bytes, &got) == 1) {
            if (!deliver({scratch_.get(), got})) return {};
            continue;
        }
        const int error = SSL_get_error(ssl_.get(), 0);
        if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return {};
        if (error == SSL_ERROR_ZERO_RETURN) {
            ended_ = true;
            return common::fail("the relay ended the TLS session");
        }
        return common::fail(openssl_errors("TLS read failed"));
    }
}

common::Result<void> TlsSession::send(std::string_view plain) {
    if (!established_) {
        held_ += plain;
        return {};
    }
    std::size_t written = 0;
    if (!plain.empty() && SSL_write_ex(ssl_.get(), plain.data(), plain.size(), &written) != 1) {
        return common::fail(openssl_errors("TLS write failed"));
    }
    return {};
}

std::string TlsSession::take_output() {
    BIO* out = SSL_get_wbio(ssl_.get());
    std::string bytes(static_cast<std::size_t>(BIO_ctrl_pending(out)), '\0');
    if (bytes.empty()) return bytes;
    const int got = BIO_read(out, bytes.data(), static_cast<int>(bytes.size()));
    bytes.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
    return bytes;
}

}  // namespace stages::socket_read
