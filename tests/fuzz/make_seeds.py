#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (corpus/NAME/) and their dictionaries (NAME.dict).

The seeds are a handful of valid inputs and edge cases per target, built here from the formats'
definitions (RFC 1035, linux/ip_vs.h, linux/rtnetlink.h, HTTP/1.1, the control protocol's JSON,
the state file's lines) so that they can be read and regenerated. The config seeds are written by
hand below, plus the shipped examples of conf/. The advert_decode corpus (captured packets) is
not touched. Run from anywhere: tests/fuzz/make_seeds.py; it replaces the files it writes.
"""

import json
import os
import re
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def write_corpus(name, seeds):
    folder = os.path.join(HERE, "corpus", name)
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    for seed_name, data in seeds.items():
        if isinstance(data, str):
            data = data.encode()
        with open(os.path.join(folder, seed_name), "wb") as f:
            f.write(data)


def write_dict(name, tokens):
    """libFuzzer's dictionary format: one quoted token a line, non-printable bytes as \\xNN."""
    def quoted(token):
        raw = token.encode() if isinstance(token, str) else token
        return "".join(chr(b) if 32 <= b < 127 and b not in b'"\\' else f"\\x{b:02x}"
                       for b in raw)
    with open(os.path.join(HERE, name + ".dict"), "w") as f:
        f.write(f"# Tokens for vipd_fuzz_{name}; written by make_seeds.py.\n")
        for token in sorted(set(tokens), key=str):
            f.write(f'"{quoted(token)}"\n')


# ---- netlink ---------------------------------------------------------------------------------

NLA_F_NESTED = 0x8000


def attr(kind, payload):
    """One netlink attribute, padded to 4 bytes."""
    data = struct.pack("=HH", 4 + len(payload), kind) + payload
    return data + b"\0" * (-len(data) % 4)


def nested(kind, *attrs):
    return attr(kind | NLA_F_NESTED, b"".join(attrs))


def u8(kind, value):
    return attr(kind, struct.pack("=B", value))


def u16(kind, value):
    return attr(kind, struct.pack("=H", value))


def be16(kind, value):
    return attr(kind, struct.pack(">H", value))


def u32(kind, value):
    return attr(kind, struct.pack("=I", value))


def u64(kind, value):
    return attr(kind, struct.pack("=Q", value))


def string(kind, text):
    return attr(kind, text.encode() + b"\0")


AF_INET, AF_INET6 = 2, 10
V4 = bytes([172, 28, 128, 210])
V6 = bytes.fromhex("20010db8000000000000000000000010")


def genl_seeds():
    # linux/ip_vs.h numbering.
    CMD_SERVICE, CMD_DEST = 1, 2
    SVC_AF, SVC_PROTOCOL, SVC_ADDR, SVC_PORT, SVC_FWMARK = 1, 2, 3, 4, 5
    SVC_SCHED, SVC_FLAGS, SVC_TIMEOUT, SVC_NETMASK, SVC_STATS64 = 6, 7, 8, 9, 12
    DEST_ADDR, DEST_PORT, DEST_FWD, DEST_WEIGHT, DEST_U, DEST_L = 1, 2, 3, 4, 5, 6
    DEST_ACTIVE, DEST_INACT, DEST_AF, DEST_STATS64 = 7, 8, 11, 12
    DEST_TUN_TYPE, DEST_TUN_PORT, DEST_TUN_FLAGS = 13, 14, 15
    STATS = [u64(kind, value) for kind, value in ((1, 10), (2, 2000), (3, 1900), (4, 3 << 20),
                                                  (5, 7 << 20))]

    def service(*extra, af=AF_INET, sched="wlc", flags=0x2, timeout=0,
                netmask=0xffffffff):
        return nested(CMD_SERVICE, u16(SVC_AF, af), *extra, string(SVC_SCHED, sched),
                      attr(SVC_FLAGS, struct.pack("=II", flags, 0xffffffff)),
                      u32(SVC_TIMEOUT, timeout), u32(SVC_NETMASK, netmask))

    def endpoint(addr, port=80, protocol=6):
        return [u16(SVC_PROTOCOL, protocol), attr(SVC_ADDR, addr), be16(SVC_PORT, port)]

    def destination(*extra, addr=bytes([10, 0, 0, 1]) + bytes(12), fwd=3, weight=1):
        return nested(CMD_DEST, attr(DEST_ADDR, addr), be16(DEST_PORT, 80), u32(DEST_FWD, fwd),
                      u32(DEST_WEIGHT, weight), u32(DEST_U, 0), u32(DEST_L, 0), *extra)

    # Byte 0: bit 0 destination, bit 1 counters, bit 2 the service family IPv6.
    return {
        "service_tcp_v4": b"\x02" + service(*endpoint(V4 + bytes(12)), nested(SVC_STATS64, *STATS)),
        "service_udp_v6_persistent": b"\x00" + service(*endpoint(V6, 53, 17), af=AF_INET6,
                                                       sched="rr", flags=0x3, timeout=300,
                                                       netmask=64),
        "service_fwmark": b"\x00" + service(u32(SVC_FWMARK, 10), sched="sh", flags=0x2 | 0x8,
                                            netmask=0x00ffffff),
        "service_missing_scheduler": b"\x00" + nested(CMD_SERVICE, u16(SVC_AF, AF_INET),
                                                      *endpoint(V4)),
        "service_bad_netmask": b"\x00" + service(*endpoint(V4 + bytes(12)), netmask=0x00ff00ff),
        "destination_dr": b"\x03" + destination(u16(DEST_AF, AF_INET), u32(DEST_ACTIVE, 5),
                                                u32(DEST_INACT, 7), nested(DEST_STATS64, *STATS)),
        "destination_nat_no_family": b"\x01" + destination(fwd=0, weight=0),
        "destination_gue_tunnel_v6": b"\x05" + destination(
            u16(DEST_AF, AF_INET6), u8(DEST_TUN_TYPE, 1), be16(DEST_TUN_PORT, 6080),
            u16(DEST_TUN_FLAGS, 1), addr=V6, fwd=2, weight=100),
        "destination_unknown_tunnel": b"\x01" + destination(u8(DEST_TUN_TYPE, 9), fwd=2),
        "empty": b"\x00",
    }


def rtnl_seeds():
    IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU = 1, 3, 4
    IFA_ADDRESS, IFA_LOCAL, IFA_LABEL, IFA_FLAGS, IFA_PROTO = 1, 2, 3, 8, 11
    IFF_UP_RUNNING = 0x1 | 0x40

    def link(index, name, flags, *extra):
        return struct.pack("=BxHiII", 0, 1, index, flags, 0) + string(IFLA_IFNAME, name) + b"".join(
            extra)

    def address(family, prefix, index, *attrs, flags=0x80):
        return struct.pack("=BBBBI", family, prefix, flags, 0, index) + b"".join(attrs)

    # Byte 0: 0 RTM_NEWLINK, 1 RTM_NEWADDR, 2 RTM_DELADDR, 3 RTM_GETLINK.
    return {
        "link_eth1": b"\x00" + link(2, "eth1", IFF_UP_RUNNING, attr(IFLA_ADDRESS, bytes.fromhex(
            "020000aabb01")), u32(IFLA_MTU, 1500)),
        "link_lo_down": b"\x00" + link(1, "lo", 0),
        "link_without_name": b"\x00" + struct.pack("=BxHiII", 0, 1, 3, 0, 0),
        "address_v4_local_tagged": b"\x01" + address(
            AF_INET, 24, 2, attr(IFA_ADDRESS, V4), attr(IFA_LOCAL, V4), string(IFA_LABEL, "eth1"),
            u32(IFA_FLAGS, 0x80), u8(IFA_PROTO, 0x76)),
        "address_v6_deleted": b"\x02" + address(AF_INET6, 64, 2, attr(IFA_ADDRESS, V6),
                                                u32(IFA_FLAGS, 0x280)),
        "address_wrong_length": b"\x01" + address(AF_INET, 32, 2, attr(IFA_ADDRESS, V6)),
        "getlink_refused": b"\x03" + link(2, "eth1", 0),
        # Attributes too short for what parse_link / parse_address read from them (findings of
        # this fuzzer, kept as seeds so they stay fixed).
        "link_name_unterminated": b"\x00" + struct.pack("=BxHiII", 0, 1, 2, 0, 0) + attr(
            IFLA_IFNAME, b"eth1"),
        "address_flags_short": b"\x01" + address(AF_INET, 24, 2, attr(IFA_LOCAL, V4),
                                                  attr(IFA_FLAGS, b"")),
        "address_proto_empty": b"\x01" + address(AF_INET, 24, 2, attr(IFA_LOCAL, V4),
                                                  attr(IFA_PROTO, b"")),
    }


# ---- DNS -------------------------------------------------------------------------------------

def dns_name(text):
    out = b""
    for label in text.split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def dns_reply(flags, question_type, answers, ancount=None, qname="example.com"):
    header = struct.pack(">HHHHHH", 0x1234, flags, 1, len(answers) if ancount is None else ancount,
                         0, 0)
    question = dns_name(qname) + struct.pack(">HH", question_type, 1)
    return header + question + b"".join(answers)


def rr(kind, rdata, name=b"\xc0\x0c"):
    return name + struct.pack(">HHIH", kind, 1, 300, len(rdata)) + rdata


def dns_seeds():
    A, AAAA, CNAME = 1, 28, 5
    ok = 0x8180  # QR, RD, RA, NOERROR
    # Byte 0: bit 0 AAAA, bit 1 the asked type is byte 1 (the reply's first id byte).
    return {
        "a_answer": b"\x00" + dns_reply(ok, A, [rr(A, V4)]),
        "aaaa_answer": b"\x01" + dns_reply(ok, AAAA, [rr(AAAA, V6)]),
        "cname_then_a": b"\x00" + dns_reply(ok, A, [rr(CNAME, dns_name("www.example.net")),
                                                    rr(A, V4, dns_name("www.example.net"))]),
        "nxdomain": b"\x00" + dns_reply(0x8183, A, []),
        "truncated_no_answer": b"\x00" + dns_reply(0x8380, A, []),
        "answer_count_beyond_data": b"\x00" + dns_reply(ok, A, [rr(CNAME, b"\xc0\x0c")], 3),
        "query_not_reply": b"\x00" + dns_reply(0x0100, A, []),
        "short": b"\x00\x12\x34\x81",
    }


# ---- HTTP ------------------------------------------------------------------------------------

def http_seeds():
    ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nOK"
    # Byte 0: bit 0 HEAD, bit 1 a 32-byte body cap, bits 2-7 the seed of the read sizes.
    return {
        "ok_content_length": "\x00" + ok,
        "interim_then_ok": "\x04HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\n"
                           "Link: </a.css>; rel=preload\r\n\r\n" + ok,
        "too_many_interim": "\x08" + "HTTP/1.1 102 Processing\r\n\r\n" * 9 + ok,
        "chunked": "\x0cHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "4\r\nall \r\n4;ext=1\r\ngood\r\n0\r\nTrailer: x\r\n\r\n",
        "until_close_capped": "\x02HTTP/1.0 503 Service Unavailable\r\nConnection: close\r\n\r\n" +
                              "busy " * 20,
        "head_with_length": "\x01HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n",
        "no_content": "\x00HTTP/1.1 204 No Content\r\n\r\n",
        "switching_protocols": "\x00HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n",
        "body_cut_short": "\x00HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
        # Read in pieces, "0\r\n" then one byte once tripped an assertion of Beast 1.74.
        "chunked_empty": "\x04HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "not_http": "\x00SSH-2.0-OpenSSH_9.2\r\n",
    }


# ---- control protocol ------------------------------------------------------------------------

def control_seeds():
    instance = {"name": "web", "interface": "eth0", "vrid": 51, "state": "MASTER",
                "priority": 150, "configured_priority": 150, "master": "172.28.128.2",
                "vips": ["172.28.128.210/32"], "since_unix": 1795521408, "transitions": 3,
                "demoted": False}
    status = {"router_id": "dir1", "config_files": ["/etc/vipd/vipd.toml"],
              "started_unix": 1795341600, "instances": [instance, dict(instance, name="v6",
                                                                         master=None)],
              "last_reload": {"ok": False, "at_unix": 1795521000, "message": "vrid: 300"}}
    real = {"address": "10.0.0.1:80", "forwarding": "route", "weight": 1, "kernel_weight": 1,
            "health": "up", "detail": "status 200", "latency_ms": 1.25, "fallback": False,
            "active_connections": 12, "inactive_connections": 40}
    service = {"name": "web-http", "key": "tcp 172.28.128.210:80", "scheduler": "wlc",
               "gate": "web", "in_kernel": True,
               "reals": [real, dict(real, kernel_weight=None, latency_ms=None, health="down")],
               "connections": 1234, "packets_in": 567890, "packets_out": 99999,
               "bytes_in": 123456789, "bytes_out": 4000000000}

    def line(value):
        return json.dumps(value, separators=(",", ":")) + "\n"

    return {
        "request_status": line({"command": "status"}),
        "request_demote": line({"command": "demote", "instance": "web"}),
        "request_garp_crlf": '{"command":"garp","instance":"v\\u00e9"}\r\n',
        "request_unknown": line({"command": "reboot"}),
        "response_status": line({"ok": True, "status": status}),
        "response_services": line({"ok": True, "services": [service]}),
        "response_error": line({"ok": False, "error": "no instance named \"x\""}),
        "response_message": line({"ok": True, "message": "web demoted to priority 1"}),
        "not_json": "{\"ok\":tru\n",
    }


# ---- state file ------------------------------------------------------------------------------

def state_file_seeds():
    return {
        "both_kinds": "tcp 172.28.128.210 80\nudp 2001:db8::53 53\nsctp 10.0.0.1 3868\n"
                      "fwmark 10 ipv4\nfwmark 7 ipv6\nvip eth1 172.28.128.210/24\n"
                      "vip dummy1 2001:db8::10/128\n",
        "truncated_last_line": "tcp 172.28.128.210 80\nvip eth1 172.28.128.2",
        "hand_edited": "  tcp\t172.28.128.210  080\r\n# comment\nfwmark 0 ipv4\nvip eth1 10.0.0.1\n"
                       "vip averyveryverylongname 10.0.0.1/32\nudp ::ffff:10.0.0.1 65536\n",
        "empty": "",
    }


# ---- configuration ---------------------------------------------------------------------------

CONFIG_SEEDS = {
    "every_check_type": '''[global]
router_id = "dir1"
state_file = "/run/vipd/state"
metrics_listen = "127.0.0.1:9650"
static_vips = ["192.168.50.1/32 dev lo"]

[[vrrp]]
name = "web"
interface = "eth1"
vrid = 51
priority = 150
version = 2
advert_interval = "1s"
auth_pass = "secret"
vips = ["172.28.128.210/24", "2001:db8::10/64 dev eth2"]
garp = { delay = "0s", repeat = 5, interval = "10ms", refresh = "1m" }
track_interfaces = ["eth2", { name = "eth3", weight = -10 }]
track_scripts = [{ command = ["/bin/true"], interval = "2s", weight = -20 }]
track_virtual_servers = [{ name = "web-80", weight = -50 }]
notify_master = ["/usr/local/bin/notify", "master"]

[[virtual_server]]
name = "web-80"
address = "172.28.128.210"
port = 80
scheduler = "wrr"
forwarding = "dr"
persistence = "5m"
quorum = 1
fallback = "10.0.0.9:80"
  [virtual_server.check]
  type = "http"
  path = "/health"
  host = "www.example.com"
  expect_status = [200, 301]
  expect_body_regex = "ready|ok"
  interval = "2s"
  timeout = "1s"
  rise = 2
  fall = 3
  [[virtual_server.real]]
  address = "172.28.128.40"
  weight = 2
    [virtual_server.real.check]
    type = "dns"
    name = "example.com"
  [[virtual_server.real]]
  address = "172.28.128.50"
    [virtual_server.real.check]
    type = "script"
    command = ["/usr/local/bin/check", "--fast"]

[[virtual_server]]
fwmark = 10
family = "ipv6"
scheduler = "mh"
forwarding = "tun"
tunnel_type = "gue"
tunnel_port = 6080
  [virtual_server.check]
  type = "udp"
  payload = "ping"
  expect = "pong"
  [[virtual_server.real]]
  address = "2001:db8::40"

[ipvs]
mode = "always"
resync_interval = "5s"
sync = { interface = "eth1", sync_id = 5 }
''',
    "errors_everywhere": '''include = [5, ""]
[global]
router_id = ""
control_socket = "relative/path"
include = ["x"]
[[vrrp]]
name = "web"
vrid = 300
priority = 0
advert_interval = "-1s"
vips = ["not-an-address", "10.0.0.1/33"]
virtual_router_id = 5
[[vrrp]]
name = "web"
interface = "eth1"
vrid = 51
[[virtual_server]]
address = "172.28.128.210"
port = 70000
  [virtual_server.check]
  type = "https"
  ca_file = "ca.pem"
  expect_body_regex = "(unclosed"
''',
    "syntax_error": '[[vrrp]]\nname = "web\ninterface = eth1\n',
    # toml++ 3.3 asserts on this malformed header (upstream issue #294); the fuzz build turns
    # its assertions off, as in the shipped build.
    "table_header_bad_key": "[[,vrrp]]\nname = \"web\"\n",
    "empty": "",
    "inline_and_dotted": 'vrrp = [{ name = "a", interface = "eth0", vrid = 1, priority = 100, '
                         'vips = ["10.0.0.1/32"] }]\nipvs.mode = "master"\n'
                         'global.router_id = "x"\n',
}


def config_seeds():
    seeds = dict(CONFIG_SEEDS)
    for example in ("pair-dir1.toml", "ipv6-dir1.toml", "single-host-dummy.toml"):
        with open(os.path.join(ROOT, "conf", example), encoding="utf-8") as f:
            seeds["conf_" + example[:-len(".toml")]] = f.read()
    return seeds


def config_tokens():
    """Every key the loader knows (its k_*_keys tables) and the values it parses by name."""
    tokens = set()
    for name in sorted(os.listdir(os.path.join(ROOT, "src", "config"))):
        with open(os.path.join(ROOT, "src", "config", name), encoding="utf-8") as f:
            text = f.read()
        for table in re.findall(r"k_\w*keys\{([^;]*?)\};", text, re.S):
            tokens.update(re.findall(r'"([a-z_0-9]+)"', table))
    tokens.update(["[[vrrp]]", "[[virtual_server]]", "[[virtual_server.real]]",
                   "[virtual_server.check]", "[virtual_server.real.check]", "[global]", "[ipvs]",
                   "[ipvs.sync]", " = ", "\"1s\"", "\"100ms\"", "\"2.5s\"", "\"tcp\"", "\"udp\"",
                   "\"http\"", "\"https\"", "\"dns\"", "\"script\"", "\"dr\"", "\"nat\"",
                   "\"tun\"", "\"ipv4\"", "\"ipv6\"", "\"10.0.0.1/24\"", "\"2001:db8::1/64\"",
                   " dev ", "true", "false", "include"])
    return tokens


def main():
    write_corpus("genl_parse", genl_seeds())
    write_corpus("rtnl_parse", rtnl_seeds())
    write_corpus("dns_reply", dns_seeds())
    write_corpus("http_response", http_seeds())
    write_corpus("control_decode", control_seeds())
    write_corpus("state_file", state_file_seeds())
    write_corpus("config_load", config_seeds())
    write_dict("config_load", config_tokens())
    write_dict("http_response", ["HTTP/1.1 ", "HTTP/1.0 ", " 200 OK", "\r\n", "\r\n\r\n",
                                 "Content-Length: ", "Transfer-Encoding: chunked",
                                 "Connection: close", "0\r\n\r\n", ";ext=", "100 Continue"])
    write_dict("control_decode", ['"command"', '"instance"', '"ok"', '"error"', '"message"',
                                  '"status"', '"services"', '"router_id"', '"config_files"',
                                  '"started_unix"', '"instances"', '"last_reload"', '"at_unix"',
                                  '"name"', '"interface"', '"vrid"', '"state"', '"priority"',
                                  '"configured_priority"', '"master"', '"vips"', '"since_unix"',
                                  '"transitions"', '"demoted"', '"key"', '"scheduler"', '"gate"',
                                  '"in_kernel"', '"reals"', '"connections"', '"packets_in"',
                                  '"packets_out"', '"bytes_in"', '"bytes_out"', '"address"',
                                  '"forwarding"', '"weight"', '"kernel_weight"', '"health"',
                                  '"detail"', '"latency_ms"', '"fallback"',
                                  '"active_connections"', '"inactive_connections"', "null",
                                  "true", "false", "1e400", "-0.0", "18446744073709551615",
                                  '"status"', '"demote"', '"garp"', '"\\ud800"'])
    write_dict("state_file", ["tcp ", "udp ", "sctp ", "fwmark ", " ipv4", " ipv6", "vip ",
                              "::ffff:", "/32", "/128", "\n", "\t", "\r"])


if __name__ == "__main__":
    main()
