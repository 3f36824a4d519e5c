#!/usr/bin/env bash
# Regenerates the golden VRRP vectors in keepalived_vectors.hpp from a real keepalived.
# Not run by CI: needs root, keepalived and tshark. Nothing touches the host's interfaces:
# keepalived runs in one network namespace, tshark listens in a second one on the peer end of a
# veth pair, and both namespaces are deleted on every exit path (trap).
#
# Usage: sudo tests/unit/vrrp/capture_keepalived_vectors.sh [OUT_DIR]
# Prints, per scenario, the tshark command, the fields tshark decoded and the VRRP message bytes.
set -euo pipefail

out_dir=${1:-$(mktemp -d /tmp/vh-codec-capture.XXXXXX)}
mkdir -p "$out_dir"
ns_ka="vh-codec-ka-$$"
ns_cap="vh-codec-cap-$$"
ka_pid=""
cap_pid=""

cleanup() {
    # Processes first (they live in the namespaces), then the namespaces; deleting a namespace
    # also deletes the veth pair.
    [[ -n "$ka_pid" ]] && kill "$ka_pid" 2>/dev/null && wait "$ka_pid" 2>/dev/null
    [[ -n "$cap_pid" ]] && kill "$cap_pid" 2>/dev/null && wait "$cap_pid" 2>/dev/null
    ip netns delete "$ns_ka" 2>/dev/null || true
    ip netns delete "$ns_cap" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

make_namespaces() {
    ip netns add "$ns_ka"
    ip netns add "$ns_cap"
    # No DAD, so the link-local source exists as soon as the link is up (IPv6 scenario).
    for ns in "$ns_ka" "$ns_cap"; do
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0
        ip -n "$ns" link set lo up
    done
    ip link add vh-cdc-a netns "$ns_ka" type veth peer name vh-cdc-b netns "$ns_cap"
    ip -n "$ns_ka" link set vh-cdc-a address 02:00:00:00:00:0a
    ip -n "$ns_cap" link set vh-cdc-b address 02:00:00:00:00:0b
    ip -n "$ns_ka" addr add 172.28.128.10/24 dev vh-cdc-a
    ip -n "$ns_ka" addr add fd00:28::10/64 dev vh-cdc-a nodad
    ip -n "$ns_ka" link set vh-cdc-a up
    ip -n "$ns_cap" link set vh-cdc-b up
}

# run_scenario NAME CONFIG_TEXT
run_scenario() {
    local name=$1 config=$2
    local dir="$out_dir/$name"
    mkdir -p "$dir"
    printf '%s\n' "$config" >"$dir/keepalived.conf"

    make_namespaces
    ip netns exec "$ns_cap" tshark -q -i vh-cdc-b -a duration:6 -f "ip proto 112 or ip6 proto 112" \
        -w "$dir/capture.pcapng" 2>"$dir/tshark.log" &
    cap_pid=$!
    sleep 1.5
    ip netns exec "$ns_ka" keepalived -n -l -D -P -f "$dir/keepalived.conf" \
        -p "$dir/keepalived.pid" -r "$dir/vrrp.pid" -c "$dir/checkers.pid" -b "$dir/bfd.pid" \
        >"$dir/keepalived.log" 2>&1 &
    ka_pid=$!
    wait "$cap_pid" || true
    cap_pid=""
    kill "$ka_pid" 2>/dev/null || true
    wait "$ka_pid" 2>/dev/null || true
    ka_pid=""
    ip netns delete "$ns_ka"
    ip netns delete "$ns_cap"

    # The last advert sent as master (the first ones may precede the VIPs being configured).
    local filter="vrrp.type == 1 && vrrp.prio != 0"
    echo "=== $name"
    # v3_checksum_as_in_v2:FALSE (the default) makes Wireshark check v3/IPv4 with the
    # pseudo-header, keepalived's form; the field shows "[correct]" only if that form verifies.
    echo "tshark -r capture.pcapng -Y '$filter' -V -O vrrp -o vrrp.v3_checksum_as_in_v2:FALSE"
    tshark -r "$dir/capture.pcapng" -Y "$filter" -V -O vrrp -o vrrp.v3_checksum_as_in_v2:FALSE \
        2>/dev/null | awk '/^Frame /{block=""} {block=block $0 "\n"} END{printf "%s", block}'
    echo "--- source, destination, ttl/hop limit, VRRP message hex:"
    tshark -r "$dir/capture.pcapng" -Y "$filter" -T fields -E separator=' ' \
        -e ip.src -e ipv6.src -e ip.dst -e ipv6.dst -e ip.ttl -e ipv6.hlim 2>/dev/null |
        tail -n 1
    json_hex "$dir/capture.pcapng" "$filter"
}

# The VRRP layer's bytes, from tshark's JSON raw output (vrrp_raw = [hex, offset, length, ...]).
json_hex() {
    tshark -r "$1" -Y "$2" -T json -x 2>/dev/null |
        python3 -c 'import json,sys; p=json.load(sys.stdin)[-1]["_source"]["layers"]; print(p["vrrp_raw"][0])'
}

run_scenario v2_ipv4_pass "vrrp_instance VI_1 {
    state MASTER
    interface vh-cdc-a
    virtual_router_id 51
    priority 150
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass PassW0rD
    }
    virtual_ipaddress {
        172.28.128.210/24 dev vh-cdc-a
    }
}"

run_scenario v3_ipv4 "global_defs {
    vrrp_version 3
}
vrrp_instance VI_1 {
    state MASTER
    interface vh-cdc-a
    virtual_router_id 52
    priority 200
    advert_int 0.5
    virtual_ipaddress {
        172.28.128.211/24 dev vh-cdc-a
        172.28.128.212/24 dev vh-cdc-a
    }
}"

run_scenario v3_ipv6 "global_defs {
    vrrp_version 3
}
vrrp_instance VI_6 {
    state MASTER
    interface vh-cdc-a
    native_ipv6
    virtual_router_id 53
    priority 120
    advert_int 1
    virtual_ipaddress {
        fd00:28::210/64 dev vh-cdc-a
        fd00:28::211/64 dev vh-cdc-a
    }
}"

echo "artifacts in $out_dir"
