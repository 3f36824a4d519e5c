#include "vipd/config/advice.hpp"

namespace vipd::config {

std::vector<std::string> advise(const daemon_config& config) {
    std::vector<std::string> out;
    for (const auto& instance : config.vrrp) {
        const auto& first = instance.vips.front().prefix.address;
        if (instance.version == vrrp::version::v3 && first.is_v6() && !first.is_link_local_v6()) {
            out.push_back(instance.position.file + ":" + std::to_string(instance.position.line) +
                          ": vrrp instance " + instance.name +
                          ": the first VIP of an IPv6 instance should be the virtual router's "
                          "link-local address (RFC 5798 §5.2.9), such as \"fe80::1/64\"; " +
                          first.to_string() +
                          " is not: keepalived and FRR accept such adverts, other routers may "
                          "drop them");
        }
    }
    return out;
}

}  // namespace vipd::config
