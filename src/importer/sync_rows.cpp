// vrrp_sync_group: its members and hooks.
#include "converter.hpp"

namespace vipd::importer::detail {

void read_vrrp_sync_group(const node& n, const keyword_row&, converter& c) {
    if (!c.want_args(n, 1, 1)) {
        return;
    }
    toml_section group{"[[sync_group]]", {}, {}};
    group.set("name", quoted(n.args.front()));
    c.walk(n.children, block::vrrp_sync_group, group);
    const auto* members = group.find("members");
    if (members == nullptr || members->items.size() < 2) {
        c.drop(n,
               "a sync group needs two members or more (group { ... }); the group is left "
               "out");
        return;
    }
    c.sync_groups.push_back(std::move(group));
}

void read_group_members(const node& n, const keyword_row&, converter& c) {
    for (const auto& member : n.children) {
        if (!member.args.empty() || member.has_block) {
            c.drop(member, "a member is an instance name only");
            continue;
        }
        c.target->append("members", quoted(member.keyword));
        c.sync_members.insert(quoted(member.keyword));
    }
}

}  // namespace vipd::importer::detail
