// The http and https probes on Beast: connect, (TLS handshake,) one request with
// "Connection: close", read the status line, headers and at most the first k_body_cap bytes of
// the body, judge them with response_matcher.

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <limits>
#include <optional>
#include <type_traits>

#include "common.hpp"
#include "tls_contexts.hpp"
#include "vipd/health/checkers/http_match.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace vipd::health::checkers::detail {

namespace {

namespace http = boost::beast::http;
using asio::ip::tcp;
using boost::system::error_code;

// The body is read into a fixed buffer of this size and no further: a huge or endless response
// costs no memory, and body expectations look at its beginning (like keepalived's and
// ldirectord's checkers, which also look at what they read).
constexpr std::size_t k_body_cap = 64 * 1024;
/// Interim (1xx) responses skipped before the final one; a server that sends more is broken.
constexpr int k_max_interim_responses = 8;
// Status line and headers; Beast's own header limit (8 KiB) applies within it.
constexpr std::size_t k_read_buffer = 16 * 1024;
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
          read_buffer_(k_read_buffer),
          body_(nullptr) {}

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
                              me->read_header();
                          });
    }

    void read_header() {
        phase_ = "waiting for the response";
        // One parser per response: an interim (1xx) one ends with its header.
        parser_.emplace();
        // A reply to HEAD announces a body it does not carry.
        parser_->skip(settings_->check.method == "HEAD");
        // The body cap is ours (we stop reading); Beast's own limit would reject a large
        // Content-Length before we saw a byte of it. Not boost::none: Beast 1.74 compares the
        // length against the optional, and every length is greater than an empty one.
        parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
        http::async_read_header(stream_, read_buffer_, *parser_,
                                [me = self<http_attempt>()](error_code error, std::size_t) {
                                    if (me->done()) {
                                        return;
                                    }
                                    if (error) {
                                        me->fail("response: " + describe(error));
                                        return;
                                    }
                                    me->after_header();
                                });
    }

    // RFC 9110 §15.2: a 1xx response is interim (100 Continue, 102 Processing, 103 Early
    // Hints); the status that counts comes after it. 101 switches protocols, which we never
    // ask for: it is final, and fails the check unless expected.
    void after_header() {
        const auto status = parser_->get().result_int();
        if (status >= 100 && status < 200 && status != 101) {
            if (++interim_responses_ > k_max_interim_responses) {
                fail("response: more than " + std::to_string(k_max_interim_responses) +
                     " interim (1xx) responses");
                return;
            }
            read_header();
            return;
        }
        phase_ = "reading the body";
        read_body();
    }

    void read_body() {
        if (parser_->is_done() || body_used_ == k_body_cap) {
            judge();
            return;
        }
        if (!body_) {
            // Only now, and uninitialised: most attempts end at the header or a short body.
            body_ = std::make_unique_for_overwrite<char[]>(k_body_cap);
        }
        auto& body = parser_->get().body();
        body.data = body_.get() + body_used_;
        body.size = k_body_cap - body_used_;
        http::async_read_some(stream_, read_buffer_, *parser_,
                              [me = self<http_attempt>()](error_code error, std::size_t) {
                                  if (me->done()) {
                                      return;
                                  }
                                  auto& read = me->parser_->get().body();
                                  me->body_used_ = k_body_cap - read.size;
                                  if (error == http::error::need_buffer) {
                                      error = {};  // our buffer is full: the cap
                                  }
                                  if constexpr (Tls) {
                                      // A server that closes without close_notify ends a
                                      // body delimited by the end of the connection all the
                                      // same.
                                      if (error == asio::ssl::error::stream_truncated) {
                                          error = {};
                                          me->parser_->put_eof(error);
                                      }
                                  }
                                  if (error) {
                                      me->fail("body: " + describe(error));
                                      return;
                                  }
                                  me->read_body();
                              });
    }

    void judge() {
        const bool truncated = !parser_->is_done();
        const auto outcome = settings_->matcher->match(
            parser_->get().result_int(), std::string_view(body_.get(), body_used_), truncated);
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
    boost::beast::flat_buffer read_buffer_;
    std::optional<http::response_parser<http::buffer_body>> parser_;
    int interim_responses_ = 0;
    std::unique_ptr<char[]> body_;  // k_body_cap bytes once the body is read, up to body_used_
    std::size_t body_used_ = 0;
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
