#!/usr/bin/env bash
# Heap profile of one vipd under a soak-like load, natively in a network namespace (issue 13:
# does anything in vipd grow?). No VM, no IPVS needed: without ip_vs the IPVS driver reports
# IPVS unavailable and the services are never programmed, everything else runs.
#
# The namespace (vipd-heap-PID) holds a veth pair (eth0 <-> eth0p, 10.98.0.1/24 and
# 10.98.0.2/24 on eth0) and:
#   - vipd under heaptrack: 20 VRRPv3 instances alone on eth0 (so all MASTER), adverts from
#     100 ms to 1 s, one VIP each; 200 DR services (10 ports per VIP) of two reals
#     (10.98.0.1 and 10.98.0.2), HTTP-checked every --check-interval; a control socket and a
#     metrics endpoint;
#   - HTTP responders (integration/lib/vipdtest/http_responder.py): ports 8001-8006 always
#     answer, 8007-8008 refuse (nobody listens), 8009-8010 flap (30 s up, 30 s down);
#   - every 10 s `vipctl status`, `vipctl ipvs` and a metrics scrape, and VmRSS sampled;
#   - every 30 s a reload by SIGHUP, alternating two valid configurations (the first
#     instance's priority 150 and 140).
# Everything runs at nice 19. At the end vipd gets SIGKILL, not SIGTERM: it frees nothing on the
# way out, so heaptrack's "leaked" is what was live at that moment, by allocation site.
# heap_profile_report.py prints the heap at minutes 1, 5, 10 (and the end); with --baseline
# (the heaptrack file of a shorter run, e.g. --minutes 1) heaptrack_print diffs the live bytes
# by site: what grew between the two ends.
#
# Usage (root): bench/heap_profile.sh [--vipd build/src/daemon/vipd]
#     [--vipctl build/src/vipctl/vipctl] [--minutes 10] [--check-interval 5s] [--out DIR]
#     [--baseline OTHER_RUN/heaptrack.vipd.zst]
#     [--no-heaptrack]   (plain vipd: the RSS series without heaptrack's own overhead)
# Output in DIR (default /tmp/vipd-heap-PID): vipd.toml, vipd.log, rss.tsv (seconds, VmRSS kB),
# heaptrack.vipd.zst, heaptrack_print.txt (peaks, leaks at the end), massif.out, report.txt,
# growth.txt (with --baseline).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
vipd="$here/../build/src/daemon/vipd"
vipctl="$here/../build/src/vipctl/vipctl"
minutes=10
check_interval="5s"
out="/tmp/vipd-heap-$$"
profile=1
baseline=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --vipd) vipd="$2"; shift 2 ;;
        --vipctl) vipctl="$2"; shift 2 ;;
        --minutes) minutes="$2"; shift 2 ;;
        --check-interval) check_interval="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        --baseline) baseline="$(realpath "$2")"; shift 2 ;;
        --no-heaptrack) profile=0; shift ;;
        *) echo "unknown argument $1 (see the comment at the top)" >&2; exit 2 ;;
    esac
done
if [[ $(id -u) -ne 0 ]]; then
    echo "needs root (network namespace, VRRP raw sockets)" >&2
    exit 77
fi
if [[ $profile -eq 1 ]] && ! command -v heaptrack >/dev/null; then
    echo "heaptrack is missing: apt-get install heaptrack" >&2
    exit 77
fi
vipd="$(realpath "$vipd")"
vipctl="$(realpath "$vipctl")"
responder="$(realpath "$here/../integration/lib/vipdtest/http_responder.py")"
mkdir -p "$out"
ns="vipd-heap-$$"

cleanup() {
    if ip netns list | grep -qw "$ns"; then
        for pid in $(ip netns pids "$ns"); do
            kill -KILL "$pid" 2>/dev/null || true
        done
        ip netns delete "$ns"
    fi
}
trap cleanup EXIT
in_ns() { ip netns exec "$ns" "$@"; }

ip netns add "$ns"
in_ns ip link set lo up
in_ns ip link add eth0 type veth peer name eth0p
in_ns ip addr add 10.98.0.1/24 dev eth0
in_ns ip addr add 10.98.0.2/24 dev eth0
in_ns ip link set eth0 up
in_ns ip link set eth0p up

# $1: the first instance's priority (the two reload variants differ only there).
write_config() {
    local first_priority="$1" file="$out/vipd.toml"
    {
        printf '[global]\nrouter_id = "heap"\ncontrol_socket = "%s/vipd.sock"\n' "$out"
        printf 'state_file = "%s/vipd.state"\nmetrics_listen = "127.0.0.1:9651"\n' "$out"
        printf '\n[ipvs]\nmode = "master"\n'
        for i in $(seq 1 20); do
            local priority=150
            [[ $i -eq 1 ]] && priority="$first_priority"
            printf '\n[[vrrp]]\nname = "vi%02d"\ninterface = "eth0"\nvrid = %d\n' "$i" "$i"
            printf 'priority = %d\nadvert_interval = "%dms"\nvips = ["10.98.1.%d/24"]\n' \
                "$priority" $(((i % 10 + 1) * 100)) "$i"
        done
        for i in $(seq 1 20); do
            for port in $(seq 8001 8010); do
                printf '\n[[virtual_server]]\naddress = "10.98.1.%d"\nport = %d\n' "$i" "$port"
                printf 'scheduler = "rr"\nforwarding = "dr"\n'
                printf '  [virtual_server.check]\n  type = "http"\n  path = "/"\n'
                printf '  interval = "%s"\n  timeout = "2s"\n' "$check_interval"
                for real in 10.98.0.1 10.98.0.2; do
                    printf '  [[virtual_server.real]]\n  address = "%s"\n  port = %d\n' \
                        "$real" "$port"
                done
            done
        done
    } >"$file.new"
    mv "$file.new" "$file"
}
write_config 150
in_ns "$vipd" --check --config "$out/vipd.toml" >/dev/null

in_ns nice -n 19 python3 "$responder" --name steady $(printf -- '--port %d ' $(seq 8001 8006)) \
    >/dev/null 2>&1 &
in_ns nice -n 19 bash -c "while true; do
        python3 '$responder' --name flapping --port 8009 --port 8010 >/dev/null 2>&1 &
        sleep 30; kill \$!; wait \$! 2>/dev/null; sleep 30
    done" &

if [[ $profile -eq 1 ]]; then
    in_ns nice -n 19 heaptrack -o "$out/heaptrack.vipd" "$vipd" --config "$out/vipd.toml" \
        --log stderr >"$out/heaptrack.stdout" 2>"$out/vipd.log" &
else
    in_ns nice -n 19 "$vipd" --config "$out/vipd.toml" --log stderr 2>"$out/vipd.log" &
fi
launcher=$!
# The vipd process itself (under heaptrack a grandchild of this shell): the namespace's process
# running the binary.
vipd_pid=""
for _ in $(seq 1 100); do
    for pid in $(ip netns pids "$ns"); do
        if [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == "$vipd" ]]; then
            vipd_pid="$pid"
        fi
    done
    [[ -n "$vipd_pid" ]] && break
    sleep 0.1
done
[[ -n "$vipd_pid" ]] || { echo "vipd did not start; see $out/vipd.log" >&2; exit 1; }
echo "vipd pid $vipd_pid in $ns; output in $out; $minutes minute(s)"

began=$(date +%s)
end=$((began + minutes * 60))
variant=0
: >"$out/rss.tsv"
: >"$out/control.log"
while (($(date +%s) < end)); do
    sleep 10
    kill -0 "$vipd_pid" 2>/dev/null || { echo "vipd exited; see $out/vipd.log" >&2; exit 1; }
    elapsed=$(($(date +%s) - began))
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$vipd_pid/status")
    printf '%d\t%d\n' "$elapsed" "$rss" >>"$out/rss.tsv"
    {
        in_ns nice -n 19 "$vipctl" -s "$out/vipd.sock" status | head -3
        in_ns nice -n 19 "$vipctl" -s "$out/vipd.sock" ipvs | wc -l
        in_ns nice -n 19 python3 -c 'import urllib.request; print(len(urllib.request.urlopen(
            "http://127.0.0.1:9651/metrics", timeout=5).read()))'
    } >>"$out/control.log" 2>&1 || true
    if ((elapsed / 30 != (elapsed - 10) / 30)); then
        variant=$((1 - variant))
        write_config $((variant == 1 ? 140 : 150))
        kill -HUP "$vipd_pid"
    fi
done

kill -KILL "$vipd_pid"
wait "$launcher" || true  # heaptrack writes its file once vipd has gone
echo "RSS (kB) every 10 s: $(cut -f2 "$out/rss.tsv" | tr '\n' ' ')"
if [[ $profile -eq 1 ]]; then
    data="$(ls "$out"/heaptrack.vipd.* | head -1)"
    heaptrack_print -f "$data" --print-massif "$out/massif.out" --massif-detailed-freq 0 \
        --print-leaks -n 20 >"$out/heaptrack_print.txt"
    python3 "$here/heap_profile_report.py" "$out/massif.out" | tee "$out/report.txt"
    grep -E '^(total runtime|calls to allocation|temporary|peak heap|peak RSS|total memory leaked)' \
        "$out/heaptrack_print.txt" || true
    if [[ -n "$baseline" ]]; then
        heaptrack_print -f "$data" -d "$baseline" --print-leaks -p 0 -a 0 -T 0 -n 20 \
            >"$out/growth.txt"
        echo "live bytes by site, this run's end less the baseline's ($out/growth.txt):"
        python3 "$here/heap_profile_report.py" --growth "$out/growth.txt" | head -12
    fi
fi
