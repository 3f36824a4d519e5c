#!/usr/bin/env python3
"""The dependency direction of ../shared/design/architecture.md, checked on #include lines.

CMake keeps symbols apart (one library per module), but every library sees the whole include/
tree, so a pure module could include an Asio or netlink header through another module's header
and nothing would fail. This reads every header and source of each module and fails when one
includes a vipd module or a system header its module must not. Exit 0 clean, 1 with one line per
offending include (file:line: what, and why it is not allowed).

Usage: check_includes.py [SOURCE_DIR]   (default: this file's ../..)
"""

import os
import re
import sys

# Where a file belongs: the longest matching path prefix (relative to include/vipd/ and src/)
# names its module. A few adapter files sit in a module with a pure codec beside them.
MODULE_OF_PREFIX = {
    "core/": "core",
    "io/": "io",
    "vrrp/": "vrrp",
    "vips/": "vips",
    "routes/": "routes",
    "ipvs/": "ipvs",
    "ipvs/linux/": "ipvs/linux",
    "health/": "health",
    "health/checkers/": "health/checkers",
    "net/": "net",
    "net/frames/": "net/frames",
    "net/linux/": "net/linux",
    "config/": "config",
    "importer/": "importer",
    "policy/": "policy",
    "logging/": "logging",
    "metrics/": "metrics",
    "metrics/http_server": "metrics/http",
    "control/": "control",
    "control/server": "control/server",
    "control/client": "control/client",
    "vipctl/": "vipctl",
    "daemon/": "daemon",
    # The drivers (library vipd_daemon) run the core's actions through ports and know no Asio;
    # the rest of daemon/ is the shell that wires them to the Linux adapters and the loop.
    "daemon/vrrp_router": "daemon/drivers",
    "daemon/vip_driver": "daemon/drivers",
    "daemon/route_driver": "daemon/drivers",
    "daemon/ipvs_driver": "daemon/drivers",
    "daemon/health_driver": "daemon/drivers",
    "daemon/role_listener": "daemon/drivers",
    "daemon/state_file": "daemon/drivers",
    "daemon/notify_scheduler": "daemon/drivers",
    "daemon/user_binding": "daemon/drivers",
    "daemon/loop_lag.": "daemon/drivers",  # not loop_lag_probe, its timer in the shell
    "daemon/options": "daemon/drivers",
    "daemon/track_poller": "daemon/drivers",
}

# The vipd modules each module may include (its own is always allowed). The arrow of the
# architecture: core <- pure modules <- ports <- adapters, checkers, control <- daemon.
ALLOWED = {
    "core": set(),
    "io": set(),
    "logging": set(),
    "vrrp": {"core"},
    "vips": {"core"},
    "routes": {"core"},
    "ipvs": {"core"},
    "ipvs/linux": {"core", "ipvs"},
    "health": {"core", "ipvs"},
    "health/checkers": {"core", "health", "io"},
    "net": {"core"},
    "net/frames": {"core", "net"},
    "net/linux": {"core", "net", "net/frames", "io"},
    "config": {"core", "vrrp", "ipvs", "health"},
    "importer": {"core", "config"},
    "policy": {"core", "config", "ipvs", "health", "vrrp"},
    "metrics": {"core"},
    "metrics/http": {"core", "metrics", "io"},
    "control": {"core"},
    "control/server": {"core", "control", "logging", "io"},
    "control/client": {"core", "control"},
    "vipctl": {"core", "control", "control/client"},
    "daemon/drivers": {"core", "vrrp", "vips", "routes", "ipvs", "health", "net", "net/frames",
                       "config", "policy", "logging"},
    "daemon": None,  # the shell wires everything
}

# System headers that make a module an adapter: never in the pure modules.
ADAPTER_HEADERS = re.compile(
    r"^(boost/asio|boost/beast|netlink/|linux/netlink\.h|linux/rtnetlink\.h|sys/socket\.h|"
    r"spdlog/sinks/|systemd/|openssl/)")
PURE = {"core", "vrrp", "vips", "routes", "ipvs", "health", "net", "net/frames", "config", "importer",
        "policy", "metrics", "control", "daemon/drivers"}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def module_of(relative: str) -> str | None:
    best = None
    for prefix, module in MODULE_OF_PREFIX.items():
        if relative.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, module)
    return best[1] if best else None


def included_module(path: str) -> str | None:
    """The module of a vipd header ("vipd/net/linux/x.hpp" -> "net/linux")."""
    if not path.startswith("vipd/"):
        return None
    return module_of(path[len("vipd/"):])


def check(root: str) -> list[str]:
    problems = []
    for base in ("include/vipd", "src"):
        top = os.path.join(root, base)
        for folder, _, files in os.walk(top):
            for name in sorted(files):
                if not name.endswith((".hpp", ".cpp", ".h")):
                    continue
                path = os.path.join(folder, name)
                relative = os.path.relpath(path, top).replace(os.sep, "/")
                module = module_of(relative)
                if module is None:
                    problems.append(f"{path}: belongs to no known module (add it to "
                                    f"MODULE_OF_PREFIX and ALLOWED)")
                    continue
                allowed = ALLOWED[module]
                with open(path, encoding="utf-8") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        quote, target = m.groups()
                        where = f"{os.path.relpath(path, root)}:{number}"
                        if quote == '"':
                            other = included_module(target)
                            if other is None or other == module or allowed is None:
                                continue
                            if other not in allowed:
                                problems.append(
                                    f"{where}: {module} includes {target} (module {other}); "
                                    f"{module} may include only "
                                    f"{', '.join(sorted(allowed)) or 'nothing of vipd'}")
                        elif module in PURE and ADAPTER_HEADERS.match(target):
                            problems.append(f"{where}: pure module {module} includes <{target}>")
    return problems


def main() -> int:
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    problems = check(os.path.abspath(root))
    for line in problems:
        print(line)
    print(f"{len(problems)} include(s) against the dependency direction")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
