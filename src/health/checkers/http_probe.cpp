// The http and https probes on Beast: connect, (TLS handshake,) one request with
// "Connection: close", then the response read into http_response_reader (status line, headers,
// at most the first k_body_cap bytes of the body), judged by response_matcher.

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <type_traits>

#include "common.hpp"
#include "tls_contexts.hpp"
#include "vipd/health/checkers/http_match.hpp"
#include "vipd/health/checkers/http_response.hpp"

#include <boost/beast/http.hpp>

namespace vipd::health::checkers::detail {

namespace {

namespace http = boost::beast::http;
using asio::ip::tcp;
using boost::system::error_code;

constexpr int k_http_version = 11;
constexpr const char* k_user_agent = "vipd-health/1";

/// What every attempt of one probe shares, built once at make_probe.
struct http_settings {
    http_check check;
    tcp::endpoint endpoint;
    std::string host_header;
    /// For TLS: the shared context, the SNI name
    /// (empty for an IP literal: RFC 6066 §3 forbids it) and what the certificate must name.
    std::shared_ptr<asio::ssl::context> tls;
    std::string sni;
    std::string verify_name;
    bool verify_ip = false;
    std::shared_ptr<const response_matcher> matcher;
};

/// The stream of an attempt, built from the settings (a TLS stream needs the context).
struct plain_stream {
    plain_stream(asio::io_context& io, const http_settings&) : stream(io) {}
    tcp::socket stream;
};
struct tls_stream {
    tls_stream(asio::io_context& io, const http_settings& settings) : stream(io, *settings.tls) {}
    asio::ssl::stream<tcp::socket> stream;
};

template <bool Tls>
class http_attempt final : public attempt {
  public:
    http_attempt(asio::io_context& io, std::shared_ptr<const http_settings> settings,
                 const check_timing& timing, probe_callback done)
        : attempt(io, timing.timeout, std::move(done)),
          settings_(std::move(settings)),
          holder_(io, *settings_),
          reader_(settings_->check.method == "HEAD") {}

    void begin() override {
        arm_deadline();
        socket().async_connect(settings_->endpoint,
                               [me = self<http_attempt>()](const error_code& error) {
                                   if (me->done()) {
                                       return;
                                   }
                                   if (error) {
                                       me->fail("connect: " + describe(error));
                                       return;
                                   }
                                   me->connected();
                               });
    }

  private:
    tcp::socket& socket() {
        if constexpr (Tls) {
            return stream_.next_layer();
        } else {
            return stream_;
        }
    }

    void connected() {
        if constexpr (Tls) {
            phase_ = "TLS handshake";
            SSL* ssl = stream_.native_handle();
            if (!settings_->sni.empty()) {
                SSL_set_tlsext_host_name(ssl, settings_->sni.c_str());
            }
            if (settings_->check.tls_verify) {
                // OpenSSL checks the name inside the handshake (RFC 6125 rules, SAN first).
                if (settings_->verify_ip) {
                    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
                                                  settings_->verify_name.c_str());
                } else {
                    SSL_set1_host(ssl, settings_->verify_name.c_str());
                }
            }
            stream_.async_handshake(asio::ssl::stream_base::client,
                                    [me = self<http_attempt>()](const error_code& error) {
                                        if (me->done()) {
                                            return;
                                        }
                                        if (error) {
                                            me->fail(me->handshake_failure(error));
                                            return;
                                        }
                                        me->send_request();
                                    });
        } else {
            send_request();
        }
    }

    std::string handshake_failure(const error_code& error) {
        if constexpr (Tls) {
            const long result = SSL_get_verify_result(stream_.native_handle());
            if (settings_->check.tls_verify && result != X509_V_OK) {
                return std::string("TLS: certificate verify failed: ") +
                       X509_verify_cert_error_string(result);
            }
        }
        return "TLS handshake: " + describe(error);
    }

    void send_request() {
        phase_ = "sending the request";
        request_.method_string(settings_->check.method);
        request_.target(settings_->check.path);
        request_.version(k_http_version);
        request_.set(http::field::host, settings_->host_header);
        request_.set(http::field::user_agent, k_user_agent);
        request_.set(http::field::accept, "*/*");
        request_.set(http::field::connection, "close");
        http::async_write(stream_, request_,
                          [me = self<http_attempt>()](const error_code& error, std::size_t) {
                              if (me->done()) {
                                  return;
                              }
                              if (error) {
                                  me->fail("send: " + describe(error));
                                  return;
                              }
                              me->read_response();
                          });
    }

    void read_response() {
        phase_ = reader_.reading_body() ? "reading the body" : "waiting for the response";
        const auto space = reader_.buffer();
        stream_.async_read_some(asio::buffer(space.data(), space.size()),
                                [me = self<http_attempt>()](error_code error, std::size_t size) {
                                    if (me->done()) {
                                        return;
                                    }
                                    me->after_read(error, size);
                                });
    }

    void after_read(const error_code& error, std::size_t size) {
        if (size != 0) {
            reader_.received(size);
        }
        if (error && reader_.current() == http_response_reader::state::need_more) {
            if (ends_response(error)) {
                reader_.closed();
            } else {
                reader_.connection_failed(describe(error));
            }
        }
        switch (reader_.current()) {
            case http_response_reader::state::need_more:
                read_response();
                return;
            case http_response_reader::state::failed:
                fail(reader_.failure());
                return;
            case http_response_reader::state::complete:
                judge();
                return;
        }
    }

    /// The end of the stream, which ends a body delimited by the end of the connection.
    bool ends_response(const error_code& error) const {
        if constexpr (Tls) {
            // A server that closes without close_notify ends such a body all the same.
            if (error == asio::ssl::error::stream_truncated && reader_.reading_body()) {
                return true;
            }
        }
        return error == asio::error::eof;
    }

    void judge() {
        const auto outcome =
            settings_->matcher->match(reader_.status(), reader_.body(), reader_.truncated());
        finish(outcome.success, outcome.detail);
    }

    void close_io() override {
        error_code ignored;
        socket().close(ignored);
    }

    std::shared_ptr<const http_settings> settings_;
    std::conditional_t<Tls, tls_stream, plain_stream> holder_;
    decltype(holder_.stream)& stream_ = holder_.stream;
    http::request<http::empty_body> request_;
    http_response_reader reader_;
};

}  // namespace

std::unique_ptr<probe> make_http_probe(asio::io_context& io, const http_check& check,
                                       const check_timing& timing, const probe_target& target) {
    auto settings = std::make_shared<http_settings>();
    settings->check = check;
    settings->endpoint = tcp::endpoint(to_asio(target.address), target.port);
    settings->host_header = host_header(check.host, target.address, target.port, check.tls);
    settings->matcher = std::make_shared<const response_matcher>(check);
    if (check.tls) {
        const auto host_address = check.host ? ip_address::parse(*check.host) : target.address;
        settings->verify_ip = host_address.has_value();
        settings->verify_name = host_address ? host_address->to_string() : *check.host;
        if (!host_address) {
            settings->sni = *check.host;
        }
        try {
            settings->tls =
                asio::use_service<tls_contexts>(io).get(check.tls_verify, check.ca_file);
        } catch (const boost::system::system_error& error) {
            // Every attempt fails the same way until a reload brings a readable file.
            return make_failing_probe(io, "TLS: cannot load CA file \"" +
                                              check.ca_file.value_or("(default)") +
                                              "\": " + describe(error.code()));
        }
    }
    std::shared_ptr<const http_settings> shared = std::move(settings);
    if (check.tls) {
        return std::make_unique<attempt_probe>([&io, shared, timing](probe_callback done) {
            return std::make_shared<http_attempt<true>>(io, shared, timing, std::move(done));
        });
    }
    return std::make_unique<attempt_probe>([&io, shared, timing](probe_callback done) {
        return std::make_shared<http_attempt<false>>(io, shared, timing, std::move(done));
    });
}

}  // namespace vipd::health::checkers::detail
