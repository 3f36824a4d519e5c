#!/bin/sh
# vm.smoke: the Debian kernel in the VM has what the vm tier needs: IPVS with a scheduler,
# the dummy driver, and ipvsadm (from the host root) can program and list a NAT service.
# Runs only inside the VM (run-in-vm.py sets VIPD_IN_VM): it changes the IPVS table.
set -eu
if [ "${VIPD_IN_VM:-}" != 1 ]; then
  echo "test_smoke: run me with integration/vm/run-in-vm.py" >&2
  exit 77
fi
step() { echo "+ $*"; "$@"; }

step modprobe ip_vs
step modprobe ip_vs_rr
step modprobe dummy
step ip link add dummy1 type dummy
step ip link set dummy1 up
echo '+ ip -d link show dummy1'
ip -d link show dummy1 | grep -qw dummy || { echo "FAIL: dummy1 is not a dummy link"; exit 1; }
step ipvsadm -A -t 192.168.100.1:80 -s rr
step ipvsadm -a -t 192.168.100.1:80 -r 127.0.0.1:8081 -m
table=$(ipvsadm -Ln)
echo "$table"
echo "$table" | grep -Eq '^TCP +192\.168\.100\.1:80 rr' || { echo "FAIL: service missing"; exit 1; }
echo "$table" | grep -Eq -- '-> 127\.0\.0\.1:8081 +Masq' || { echo "FAIL: real server missing"; exit 1; }
step ipvsadm -C
echo "PASS smoke"
