#pragma once
// In-process HTTP(S) server for the probe tests, on the test's io_context, plus certificates
// made on the spot with OpenSSL (a CA and a server certificate it signs).

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "vipd/io/asio.hpp"

#include <boost/asio/ssl.hpp>

namespace vipd::health::checkers::test {

// ---- certificates --------------------------------------------------------------------------

using key_ptr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using cert_ptr = std::unique_ptr<X509, decltype(&X509_free)>;

inline void check_ssl(bool ok, const char* what) {
    if (!ok) {
        throw std::runtime_error(std::string("openssl: ") + what);
    }
}

inline key_ptr make_key() {
    key_ptr key(EVP_EC_gen("P-256"), EVP_PKEY_free);
    check_ssl(key != nullptr, "EVP_EC_gen");
    return key;
}

inline void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX context;
    X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
    check_ssl(extension != nullptr, "X509V3_EXT_conf_nid");
    X509_add_ext(cert, extension, -1);
    X509_EXTENSION_free(extension);
}

/// A certificate for `key` named `common_name`, signed by `issuer` / `issuer_key` (self-signed
/// when null). A CA gets basicConstraints CA:TRUE; a server gets `alt_names` as its SAN.
inline cert_ptr make_cert(EVP_PKEY* key, const std::string& common_name, X509* issuer,
                          EVP_PKEY* issuer_key, bool is_ca, const std::string& alt_names,
                          long serial) {
    cert_ptr cert(X509_new(), X509_free);
    check_ssl(cert != nullptr, "X509_new");
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
    X509_set_pubkey(cert.get(), key);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                               0);
    X509* signer = issuer != nullptr ? issuer : cert.get();
    X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
    if (is_ca) {
        add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
        add_extension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
        add_extension(cert.get(), signer, NID_ext_key_usage, "serverAuth");
        add_extension(cert.get(), signer, NID_subject_alt_name, alt_names.c_str());
    }
    check_ssl(X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) > 0,
              "X509_sign");
    return cert;
}

inline std::string to_pem(X509* cert) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_X509(bio.get(), cert);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return {data, static_cast<std::size_t>(size)};
}

inline std::string to_pem(EVP_PKEY* key) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return {data, static_cast<std::size_t>(size)};
}

/// A private CA and a server certificate for www.example.test and 127.0.0.1 / ::1.
struct test_pki {
    std::string ca_pem;
    std::string server_cert_pem;
    std::string server_key_pem;

    static test_pki make() {
        const auto ca_key = make_key();
        const auto ca = make_cert(ca_key.get(), "vipd test CA", nullptr, nullptr, true, "", 1);
        const auto server_key = make_key();
        const auto server = make_cert(server_key.get(), "www.example.test", ca.get(), ca_key.get(),
                                      false, "DNS:www.example.test,IP:127.0.0.1,IP:::1", 2);
        return {to_pem(ca.get()), to_pem(server.get()), to_pem(server_key.get())};
    }

    std::unique_ptr<asio::ssl::context> server_context() const {
        auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
        context->use_certificate_chain(asio::buffer(server_cert_pem));
        context->use_private_key(asio::buffer(server_key_pem), asio::ssl::context::pem);
        return context;
    }
};

// ---- HTTP server ---------------------------------------------------------------------------

struct seen_request {
    std::string text;  // request line and headers
    std::string sni;   // TLS server name the client sent, empty without
};

enum class server_behaviour {
    respond,       // write the canned response, then close
    silent,        // read the request, then never answer (hold the connection)
    endless,       // a 200 header then body bytes until the client goes away
    no_handshake,  // TLS server only: accept TCP, never speak TLS
};

/// Serves every connection the same way. TLS when given a context.
class http_server {
  public:
    http_server(asio::io_context& io, std::string response,
                server_behaviour behaviour = server_behaviour::respond,
                asio::ssl::context* tls = nullptr,
                asio::ip::address address = asio::ip::address_v4::loopback())
        : acceptor_(io, asio::ip::tcp::endpoint(address, 0)),
          response_(std::move(response)),
          behaviour_(behaviour),
          tls_(tls) {
        accept();
    }
    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    const std::vector<seen_request>& requests() const { return requests_; }
    int handshakes_failed() const { return handshakes_failed_; }
    std::size_t body_bytes_sent() const { return body_bytes_sent_; }

  private:
    template <typename Stream>
    struct session : std::enable_shared_from_this<session<Stream>> {
        template <typename... Args>
        explicit session(http_server& s, Args&&... args)
            : server(s), stream(std::forward<Args>(args)...) {}
        http_server& server;
        Stream stream;
        asio::streambuf input;
        std::string sni;
        std::string chunk;
    };

    void accept() {
        acceptor_.async_accept([this](const boost::system::error_code& error,
                                      asio::ip::tcp::socket socket) {
            if (error) {
                return;
            }
            if (tls_ == nullptr) {
                auto s = std::make_shared<session<asio::ip::tcp::socket>>(*this, std::move(socket));
                read_request(s);
            } else if (behaviour_ == server_behaviour::no_handshake) {
                held_.push_back(std::make_shared<asio::ip::tcp::socket>(std::move(socket)));
            } else {
                auto s = std::make_shared<session<asio::ssl::stream<asio::ip::tcp::socket>>>(
                    *this, std::move(socket), *tls_);
                s->stream.async_handshake(
                    asio::ssl::stream_base::server, [this, s](const boost::system::error_code& e) {
                        if (e) {
                            ++handshakes_failed_;
                            return;
                        }
                        const char* name = SSL_get_servername(s->stream.native_handle(),
                                                              TLSEXT_NAMETYPE_host_name);
                        s->sni = name != nullptr ? name : "";
                        read_request(s);
                    });
            }
            accept();
        });
    }

    template <typename S>
    void read_request(const std::shared_ptr<S>& s) {
        asio::async_read_until(
            s->stream, s->input, "\r\n\r\n",
            [this, s](const boost::system::error_code& error, std::size_t size) {
                if (error) {
                    return;
                }
                const auto data = s->input.data();
                std::string text(asio::buffers_begin(data),
                                 asio::buffers_begin(data) + static_cast<long>(size));
                requests_.push_back({text, s->sni});
                switch (behaviour_) {
                    case server_behaviour::respond:
                        asio::async_write(s->stream, asio::buffer(response_),
                                          [s](const boost::system::error_code&, std::size_t) {
                                              boost::system::error_code ignored;
                                              s->stream.lowest_layer().shutdown(
                                                  asio::ip::tcp::socket::shutdown_both, ignored);
                                          });
                        break;
                    case server_behaviour::silent:
                        held_.push_back(s);
                        break;
                    case server_behaviour::endless:
                        s->chunk = response_;
                        write_forever(s, true);
                        break;
                    case server_behaviour::no_handshake:
                        break;
                }
            });
    }

    template <typename S>
    void write_forever(const std::shared_ptr<S>& s, bool first) {
        static const std::string k_block(16 * 1024, 'x');
        asio::async_write(s->stream, asio::buffer(first ? s->chunk : k_block),
                          [this, s, first](const boost::system::error_code& error, std::size_t n) {
                              if (error) {
                                  return;  // the client closed: the probe stopped reading
                              }
                              if (!first) {
                                  body_bytes_sent_ += n;
                              }
                              if (body_bytes_sent_ < 64 * 1024 * 1024) {
                                  write_forever(s, false);
                              }
                          });
    }

    asio::ip::tcp::acceptor acceptor_;
    std::string response_;
    server_behaviour behaviour_;
    asio::ssl::context* tls_;
    std::vector<std::shared_ptr<void>> held_;
    std::vector<seen_request> requests_;
    int handshakes_failed_ = 0;
    std::size_t body_bytes_sent_ = 0;
};

}  // namespace vipd::health::checkers::test
