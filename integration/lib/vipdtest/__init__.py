"""vipdtest: the network-namespace integration harness for vipd (Python 3 standard library).

topology.Topology   switch namespace + bridge, host namespaces on veth pairs, helpers
daemon              processes in namespaces; vipd / keepalived configs and handles
waits               bounded wait_until / hold_for
scenario            runner: --vipd/--engine, skip (77), deadline, cleanup, report
cleanup             undo registry run on exit, exceptions, signals, atexit; stale-run sweep
local_addresses     has_local_address(pid, addr): polled through /proc/PID/net/fib_trie
single_host         SingleHost: one namespace, no switch; vm_main: a stand-alone VM script's entry
"""

from .daemon import (Director, Instance, Keepalived, Process, Vipd, format_duration,
                     keepalived_config, start_director, start_keepalived, start_vipd, vipd_config)
from .scenario import Context, Skip, check, client_results, main
from .topology import Topology
from .local_addresses import has_local_address
from .single_host import SingleHost, vm_main
from .fixtures import hold_single, pair, sniff_adverts, wait_holders
from .waits import WaitTimeout, hold_for, wait_until
