#include "vipd/config/config.hpp"

namespace vipd::config {

vrrp::instance_config vrrp_instance::instance_config() const {
    vrrp::instance_config out;
    out.name = name;
    out.version = version;
    out.family = family();
    out.vrid = vrid;
    out.priority = priority;
    out.advert_interval = advert_interval;
    out.preempt = preempt;
    out.preempt_delay = preempt_delay;
    out.password = auth_pass;
    out.vips.reserve(vips.size());
    // Adverts carry the addresses only: prefix lengths and devices matter to the host, not the
    // protocol (RFC 5798 §5.2.9).
    for (const auto& v : vips) {
        out.vips.push_back(v.prefix.address);
    }
    out.garp = garp;
    out.group_member = sync_group.has_value();
    return out;
}

}  // namespace vipd::config
