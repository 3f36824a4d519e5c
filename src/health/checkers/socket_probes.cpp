// The connection-level probes: tcp (connect), udp (datagram and reply), dns (query and answer).

#include <sys/random.h>

#include <random>

#include "common.hpp"
#include "vipd/health/checkers/dns_codec.hpp"

namespace vipd::health::checkers::detail {

namespace {

using asio::ip::tcp;
using asio::ip::udp;
using boost::system::error_code;

// The largest UDP payload: a reply is never cut short by our buffer.
constexpr std::size_t k_udp_receive_buffer = 65536;
// Without EDNS a DNS reply over UDP is at most 512 bytes (RFC 1035 §4.2.1); room to spare.
constexpr std::size_t k_dns_receive_buffer = 4096;

class tcp_attempt final : public attempt {
  public:
    tcp_attempt(asio::io_context& io, const check_timing& timing, tcp::endpoint endpoint,
                probe_callback done)
        : attempt(io, timing.timeout, std::move(done)), socket_(io), endpoint_(endpoint) {}

    void begin() override {
        arm_deadline();
        socket_.async_connect(endpoint_, [me = self<tcp_attempt>()](const error_code& error) {
            if (me->done()) {
                return;
            }
            if (error) {
                me->fail("connect: " + describe(error));
            } else {
                me->finish(true, {});
            }
        });
    }

  private:
    void close_io() override {
        error_code ignored;
        socket_.close(ignored);
    }
    tcp::socket socket_;
    tcp::endpoint endpoint_;
};

/// Sends one datagram on a connected UDP socket and hands every datagram from the target to
/// `on_datagram` until the attempt ends. Connected, so the kernel drops datagrams from anyone
/// else and an ICMP port unreachable fails the receive with "connection refused" at once.
class datagram_attempt : public attempt {
  public:
    datagram_attempt(asio::io_context& io, const check_timing& timing, udp::endpoint endpoint,
                     std::size_t buffer_size, probe_callback done)
        : attempt(io, timing.timeout, std::move(done)),
          socket_(io),
          endpoint_(endpoint),
          buffer_size_(buffer_size) {}

    void begin() override {
        arm_deadline();
        error_code error;
        socket_.open(endpoint_.protocol(), error);
        if (!error) {
            socket_.connect(endpoint_, error);  // no packet: only fixes the peer
        }
        if (error) {
            fail_soon("socket: " + describe(error));
            return;
        }
        phase_ = "sending";
        auto payload = std::make_shared<std::vector<std::uint8_t>>(request());
        socket_.async_send(asio::buffer(*payload), [me = self<datagram_attempt>(), payload](
                                                       const error_code& send_error, std::size_t) {
            if (me->done()) {
                return;
            }
            if (send_error) {
                me->fail("send: " + describe(send_error));
                return;
            }
            me->phase_ = "waiting for a reply";
            me->receive();
        });
    }

  protected:
    /// The datagram to send.
    virtual std::vector<std::uint8_t> request() = 0;
    /// Judges one reply: finish the attempt, or return to wait for another.
    virtual void on_datagram(std::span<const std::uint8_t> datagram) = 0;

  private:
    void receive() {
        buffer_.resize(buffer_size_);
        socket_.async_receive(
            asio::buffer(buffer_),
            [me = self<datagram_attempt>()](const error_code& error, std::size_t size) {
                if (me->done()) {
                    return;
                }
                if (error) {
                    me->fail("receive: " + describe(error));
                    return;
                }
                me->on_datagram(std::span<const std::uint8_t>(me->buffer_.data(), size));
                if (!me->done()) {
                    me->receive();
                }
            });
    }
    void close_io() override {
        error_code ignored;
        socket_.close(ignored);
    }

    udp::socket socket_;
    udp::endpoint endpoint_;
    std::size_t buffer_size_;
    std::vector<std::uint8_t> buffer_;
};

class udp_attempt final : public datagram_attempt {
  public:
    udp_attempt(asio::io_context& io, const udp_check& check, const check_timing& timing,
                udp::endpoint endpoint, probe_callback done)
        : datagram_attempt(io, timing, endpoint, k_udp_receive_buffer, std::move(done)),
          check_(check) {}

  private:
    std::vector<std::uint8_t> request() override {
        return {check_.payload.begin(), check_.payload.end()};
    }
    void on_datagram(std::span<const std::uint8_t> datagram) override {
        const std::string_view reply(reinterpret_cast<const char*>(datagram.data()),
                                     datagram.size());
        if (check_.expect && reply.find(*check_.expect) == std::string_view::npos) {
            fail("reply lacks \"" + *check_.expect + "\"");
        } else {
            finish(true, {});
        }
    }
    udp_check check_;
};

std::uint16_t random_id() {
    std::uint16_t id = 0;
    if (::getrandom(&id, sizeof id, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof id)) {
        // Early boot without entropy: any unpredictable-enough value will do for a health check.
        id = static_cast<std::uint16_t>(std::random_device{}());
    }
    return id;
}

class dns_attempt final : public datagram_attempt {
  public:
    dns_attempt(asio::io_context& io, const dns_check& check, const check_timing& timing,
                udp::endpoint endpoint, probe_callback done)
        : datagram_attempt(io, timing, endpoint, k_dns_receive_buffer, std::move(done)),
          check_(check),
          id_(random_id()) {}

    void begin() override {
        query_ = dns::encode_query(id_, check_.name, check_.type);
        if (!query_) {
            fail_soon("invalid query name \"" + check_.name + "\"");
            return;
        }
        datagram_attempt::begin();
    }

  private:
    std::vector<std::uint8_t> request() override { return *query_; }
    void on_datagram(std::span<const std::uint8_t> datagram) override {
        const auto verdict = dns::check_reply(datagram, id_, check_.type);
        switch (verdict.verdict) {
            case dns::reply_verdict::answered:
                finish(true, {});
                break;
            case dns::reply_verdict::failed:
                fail(verdict.detail);
                break;
            case dns::reply_verdict::ignore:
                break;  // a stray or forged datagram: keep waiting
        }
    }
    dns_check check_;
    std::uint16_t id_;
    std::optional<std::vector<std::uint8_t>> query_;
};

}  // namespace

std::unique_ptr<probe> make_tcp_probe(asio::io_context& io, const check_timing& timing,
                                      const probe_target& target) {
    const tcp::endpoint endpoint(to_asio(target.address), target.port);
    return std::make_unique<attempt_probe>([&io, timing, endpoint](probe_callback done) {
        return std::make_shared<tcp_attempt>(io, timing, endpoint, std::move(done));
    });
}

std::unique_ptr<probe> make_udp_probe(asio::io_context& io, const udp_check& check,
                                      const check_timing& timing, const probe_target& target) {
    const udp::endpoint endpoint(to_asio(target.address), target.port);
    return std::make_unique<attempt_probe>([&io, check, timing, endpoint](probe_callback done) {
        return std::make_shared<udp_attempt>(io, check, timing, endpoint, std::move(done));
    });
}

std::unique_ptr<probe> make_dns_probe(asio::io_context& io, const dns_check& check,
                                      const check_timing& timing, const probe_target& target) {
    const udp::endpoint endpoint(to_asio(target.address), target.port);
    return std::make_unique<attempt_probe>([&io, check, timing, endpoint](probe_callback done) {
        return std::make_shared<dns_attempt>(io, check, timing, endpoint, std::move(done));
    });
}

}  // namespace vipd::health::checkers::detail
