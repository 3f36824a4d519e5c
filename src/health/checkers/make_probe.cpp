#include "vipd/health/checkers/make_probe.hpp"

#include "common.hpp"

namespace vipd::health::checkers {

std::unique_ptr<probe> make_probe(asio::io_context& io, const check_spec& spec,
                                  const probe_target& target) {
    return std::visit(
        [&](const auto& kind) -> std::unique_ptr<probe> {
            using kind_type = std::decay_t<decltype(kind)>;
            if constexpr (std::is_same_v<kind_type, tcp_check>) {
                return detail::make_tcp_probe(io, spec.timing, target);
            } else if constexpr (std::is_same_v<kind_type, udp_check>) {
                return detail::make_udp_probe(io, kind, spec.timing, target);
            } else if constexpr (std::is_same_v<kind_type, dns_check>) {
                return detail::make_dns_probe(io, kind, spec.timing, target);
            } else if constexpr (std::is_same_v<kind_type, http_check>) {
                return detail::make_http_probe(io, kind, spec.timing, target);
            } else {
                static_assert(std::is_same_v<kind_type, script_check>);
                return detail::make_script_probe(io, kind, spec.timing, target);
            }
        },
        spec.kind);
}

}  // namespace vipd::health::checkers
