# The vm tiers: scenarios that need a real kernel feature this host may lack (IPVS, the dummy
# driver), or a kernel older than this host's. Each test boots a Debian kernel unpacked by
# integration/vm/prepare.sh under qemu (software emulation) via run-in-vm.py, which shares the
# host root read-only and returns the scenario's exit status. A missing qemu or kernel cache
# makes the test skip (77); scripts/install-deps.sh provides both kernels, so in CI they run.
# Tests run serially: a TCG guest wants both of the machine's cores.
#   vm.<name>       label `vm`       Debian 12's 6.1 (the default)
#   vm-5.10.<name>  label `vm-5.10`  Debian 11's 5.10: the oldest kernel we test on (no IFA_PROTO
#                                    on addresses before 5.18; like 6.1, no `twos` scheduler, 6.7+)
# `ctest -L` takes a regular expression: run the tiers with -L '^vm$' and -L '^vm-5\.10$'.

set(vipd_vm_dir ${CMAKE_CURRENT_LIST_DIR})
# run-in-vm's own bound (boot + scenario + power-off) stays below CTest's, so that it always
# gets to kill qemu itself and say why.
set(vipd_vm_timeout 180)
set(vipd_vm_deadline 150)

# vipd_add_vm_test(NAME [KERNEL 6.1|5.10] [SYSTEMD] [LOAD modules,...] [DEADLINE seconds]
#                  [FIXTURES_REQUIRED f...] [RESOURCE_LOCK r...] COMMAND argv...)
#   KERNEL: which prepared kernel boots (default 6.1): 6.1 registers vm.NAME with label `vm`,
#   5.10 registers vm-5.10.NAME with label `vm-5.10`.
#   SYSTEMD: boot systemd as PID 1 and run COMMAND as a service (run-in-vm.py --systemd).
#   LOAD: modules loaded before the scenario, comma separated, or `none` (the kernel then loads
#   what it needs on demand); without LOAD, run-in-vm's default set (IPVS, dummy, veth).
#   DEADLINE: run-in-vm's --timeout (boot + COMMAND + power-off); CTest's TIMEOUT is 30 s more.
function(vipd_add_vm_test name)
  cmake_parse_arguments(ARG "SYSTEMD" "KERNEL;LOAD;DEADLINE" "COMMAND;FIXTURES_REQUIRED;RESOURCE_LOCK"
                        ${ARGN})
  set(kernel 6.1)
  if(ARG_KERNEL)
    set(kernel ${ARG_KERNEL})
  endif()
  if(kernel STREQUAL "6.1")
    set(test_name vm.${name})
    set(label vm)
  elseif(kernel STREQUAL "5.10")
    set(test_name vm-5.10.${name})
    set(label vm-5.10)
  else()
    message(FATAL_ERROR "vipd_add_vm_test(${name}): unknown KERNEL ${kernel} (6.1 or 5.10)")
  endif()
  set(deadline ${vipd_vm_deadline})
  if(ARG_DEADLINE)
    set(deadline ${ARG_DEADLINE})
  endif()
  math(EXPR ctest_timeout "${deadline} + 30")
  set(load_args)
  if(ARG_LOAD STREQUAL "none")
    set(load_args "--load=")
  elseif(ARG_LOAD)
    set(load_args "--load=${ARG_LOAD}")
  endif()
  set(systemd_args)
  if(ARG_SYSTEMD)
    set(systemd_args --systemd)
  endif()
  add_test(NAME ${test_name}
           COMMAND ${vipd_python} ${vipd_vm_dir}/run-in-vm.py --kernel ${kernel}
                   ${systemd_args} --timeout ${deadline} ${load_args} -- ${ARG_COMMAND})
  set_tests_properties(${test_name} PROPERTIES
    LABELS ${label}
    SKIP_RETURN_CODE 77
    TIMEOUT ${ctest_timeout}
    RUN_SERIAL TRUE)
  if(ARG_FIXTURES_REQUIRED)
    set_tests_properties(${test_name} PROPERTIES FIXTURES_REQUIRED "${ARG_FIXTURES_REQUIRED}")
  endif()
  if(ARG_RESOURCE_LOCK)
    set_tests_properties(${test_name} PROPERTIES RESOURCE_LOCK "${ARG_RESOURCE_LOCK}")
  endif()
endfunction()

# The VM itself: IPVS, a scheduler and dummy load, ipvsadm programs and lists a service.
vipd_add_vm_test(smoke LOAD none COMMAND sh ${vipd_vm_dir}/test_smoke.sh)

if(TARGET vipd)
  # dummy1 is created by vipd; the dummy and veth drivers are loaded on demand by the kernel.
  vipd_add_vm_test(dummy_vip LOAD none
                   COMMAND ${vipd_python} ${vipd_vm_dir}/test_dummy_vip.py --vipd $<TARGET_FILE:vipd>)
endif()

if(TARGET vipd)
  # The one-host lab: static VIP on dummy1, NAT round robin to two loopback backends.
  vipd_add_vm_test(single_host_nat
                   COMMAND ${vipd_python} ${vipd_vm_dir}/test_single_host_nat.py --vipd $<TARGET_FILE:vipd>)
endif()

if(TARGET vipd_ipvs_genl_kernel_tests)
  # Every IPVS knob through the generic netlink client, read back with dump() and ipvsadm.
  vipd_add_vm_test(ipvs_genl_kernel DEADLINE 400 COMMAND $<TARGET_FILE:vipd_ipvs_genl_kernel_tests>)
endif()

if(TARGET vipd)
  # The seed lab: two directors, VRRPv2 PASS, DR round robin to two reals; master dies.
  vipd_add_vm_test(dr_pair DEADLINE 240
                   COMMAND ${vipd_python} ${vipd_vm_dir}/test_dr_pair.py --vipd $<TARGET_FILE:vipd>
                           --deadline 220)
endif()

if(TARGET vipd)
  # Issue 3 scenario 3: the trio, six VIPs, one DR service each; every director's IPVS table
  # holds exactly the services of the VIPs it is Master for, before and after one dies.
  vipd_add_vm_test(trio_ipvs DEADLINE 200
                   COMMAND ${vipd_python} ${vipd_vm_dir}/test_trio_ipvs.py --vipd $<TARGET_FILE:vipd>
                           --deadline 180)
  # Issue 3 connection synchronisation: one long-lived TCP connection through the VIP keeps
  # getting echoes after the master dies (the backup learnt it from the sync daemon).
  vipd_add_vm_test(ipvs_sync DEADLINE 200
                   COMMAND ${vipd_python} ${vipd_vm_dir}/test_ipvs_sync.py --vipd $<TARGET_FILE:vipd>
                           --deadline 180)
endif()

if(TARGET vipd)
  # Issue 5 reload: real added, scheduler changed, real removed by SIGHUP while one TCP
  # connection through the VIP keeps getting echoes (the service is edited, never re-created).
  vipd_add_vm_test(reload_ipvs DEADLINE 200
                   COMMAND ${vipd_python} ${vipd_vm_dir}/test_reload_ipvs.py --vipd $<TARGET_FILE:vipd>
                           --deadline 180)
  # Issue 15: vipctl drain holds the real of a live connection at weight 0 (still in the table,
  # new connections elsewhere) through a reload and an ipvsadm -C; undrain and a --for 3s that
  # ends by itself restore the configured weight. Measured: 52 s on 6.1, boot included.
  vipd_add_vm_test(drain_ipvs DEADLINE 150
                   COMMAND ${vipd_python} ${vipd_vm_dir}/test_drain_ipvs.py --vipd $<TARGET_FILE:vipd>)
  # Issue 3: 20,000 destinations resynced every second while VRRP runs at 100 ms adverts; the
  # resync reads the table in slices, so the master's adverts never stop long enough for the
  # backup to take over.
  # Issue 3: a start after a SIGKILL removes the services the configuration no longer names
  # ([global] state_file), leaves others' alone; without the record the leftover stays.
  vipd_add_vm_test(crash_leftovers DEADLINE 150
                   COMMAND ${vipd_python} ${vipd_vm_dir}/test_crash_leftovers.py
                           --vipd $<TARGET_FILE:vipd> --deadline 130)
  vipd_add_vm_test(big_table_resync DEADLINE 240
                   COMMAND ${vipd_python} ${vipd_vm_dir}/test_big_table_resync.py
                           --vipd $<TARGET_FILE:vipd> --deadline 220)
endif()

if(TARGET vipd)
  # Issue 11, the advert first: a trio at 100 ms adverts, 1,000 x 10 DR services in mode master;
  # the master is killed 2 times in CI (5 by default) and the backup taking over must announce itself before its
  # table goes in (sniffed advert before its first IPVS line), the third director must never
  # become MASTER, and the backup's other instance keeps its adverts within 1.5 intervals.
  # Measured: 55 s for 2 kills on 6.1, 175 s for 5 on 5.10 (boot included).
  vipd_add_vm_test(trio_big_table DEADLINE 420
                   COMMAND ${vipd_python} ${vipd_vm_dir}/test_trio_big_table.py
                           --vipd $<TARGET_FILE:vipd> --deadline 390)
  # Two kills in CI, as on 5.10 (about 75 s less than five: CI pays for vm.import_keepalived
  # and vm.bgp_ecmp with it); VIPD_TRIO_BIG_RUNS=5 by hand for the full run.
  set_tests_properties(vm.trio_big_table PROPERTIES ENVIRONMENT VIPD_TRIO_BIG_RUNS=2)
endif()

if(TARGET vipd)
  # Issue 15: a keepalived pair (VRRPv2 PASS, a weighted DR service with persistence and a
  # firewall-mark service, TCP_CHECKs) replaced one director at a time by vipd running what
  # `vipd import-keepalived` made of the same files: each vipd's ipvsadm -Ln equals keepalived's
  # (services and reals, counters aside), and vipd and keepalived fail over both ways.
  # Measured: 105 s on 6.1 with a busy host (boot 28 s).
  vipd_add_vm_test(import_keepalived DEADLINE 220
                   COMMAND ${vipd_python} ${vipd_vm_dir}/test_import_keepalived.py
                           --vipd $<TARGET_FILE:vipd> --deadline 190)
endif()

if(TARGET vipd)
  # Issue 4, the seed lab's checker: a dead real leaves the table (client loop sees only the
  # live one), returns, both die and the fallback answers; then quiescent keeps it at weight 0.
  vipd_add_vm_test(health_lab DEADLINE 200
                   COMMAND ${vipd_python} ${vipd_vm_dir}/test_health_lab.py --vipd $<TARGET_FILE:vipd>
                           --deadline 180)
endif()

if(TARGET vipd)
  # Issue 3 scenario 4: every IPVS knob through vipd's config (one [[virtual_server]] per row),
  # read back with ipvsadm -Ln / --persistent-conn / --thresholds / --tun-info; then ipvsadm -C,
  # -d and -D are repaired within resync_interval + slack. Every scheduler of the 6.1 kernel.
  vipd_add_vm_test(ipvs_knobs DEADLINE 240
                   LOAD ip_vs,ip_vs_rr,ip_vs_wrr,ip_vs_lc,ip_vs_wlc,ip_vs_lblc,ip_vs_lblcr,ip_vs_dh,ip_vs_sh,ip_vs_sed,ip_vs_nq,ip_vs_fo,ip_vs_ovf,ip_vs_mh,dummy
                   COMMAND ${vipd_python} ${vipd_vm_dir}/test_ipvs_knobs.py --vipd $<TARGET_FILE:vipd>)
endif()

if(TARGET vipd)
  # The Debian package's vipd.service under systemd as PID 1 (run-in-vm.py --systemd): dpkg -i,
  # --check on the shipped examples, start (READY=1), journal fields, reload, watchdog restart
  # of a SIGSTOPped vipd, stop; vipd runs in a namespace of its own via NetworkNamespacePath=.
  # The .deb comes from the packaging.build_deb fixture (integration/packaging/).
  set(vipd_vm_deb_dir ${CMAKE_BINARY_DIR}/packaging-test)
  vipd_add_vm_test(systemd_unit SYSTEMD DEADLINE 420
                   FIXTURES_REQUIRED vipd_deb RESOURCE_LOCK vipd_deb_dir
                   COMMAND ${vipd_python} ${vipd_vm_dir}/test_systemd_unit.py
                           --deb-dir ${vipd_vm_deb_dir})
endif()

if(TARGET vipd)
  # Issue 16: three directors announce a VIP over BGP (vipd [[bgp_vip]] + FRR), a router
  # spreads the flows (ECMP), IPVS DR with mh; under a client loop, a demote and promote, one
  # director's failed checks of the reals and their return, a stop. 6.1 only.
  vipd_add_vm_test(bgp_ecmp DEADLINE 300 LOAD ip_vs,ip_vs_mh,veth,bridge
                   COMMAND ${vipd_python} ${vipd_vm_dir}/test_bgp_ecmp.py --vipd $<TARGET_FILE:vipd>
                           --deadline 260)
endif()

# netns scenarios inside the guest: the guest sees the host root, so the netns harness runs
# unchanged on the guest's kernel. veth and bridge are all they load (the lab's links).
set(vipd_vm_netns_load veth,bridge)

if(TARGET vipd)
  # The VIP on exactly one director after a cut, a SIGTERM, a SIGKILL and a deletion by hand
  # (also in the netns tier, on this host's kernel).
  vipd_add_vm_test(vip_ownership DEADLINE 180 LOAD ${vipd_vm_netns_load}
                   COMMAND ${vipd_python} ${vipd_netns_dir}/test_vip_ownership.py
                           --vipd $<TARGET_FILE:vipd> --deadline 150)
endif()

# ----- Debian 11's 5.10 (label vm-5.10) -------------------------------------------------------
# The oldest kernel the project tests on. It drops the IFA_PROTO tag of an address (5.18+), so
# these are the scenarios where a VIP must be removed (FAULT, BACKUP, shutdown, a restart after a
# crash) and where two holders would show. No scheduler newer than 5.10 (`twos`) is used.
# Each DEADLINE is two to three times a measured run under emulation (boot included). No smoke
# test of its own (16 s; `run-in-vm.py --kernel 5.10 --load none -- sh test_smoke.sh` passes):
# dr_pair and crash_leftovers program IPVS on this kernel anyway.

if(TARGET vipd)
  vipd_add_vm_test(dr_pair KERNEL 5.10 DEADLINE 240
                   COMMAND ${vipd_python} ${vipd_vm_dir}/test_dr_pair.py --vipd $<TARGET_FILE:vipd>
                           --deadline 220)
  vipd_add_vm_test(crash_leftovers KERNEL 5.10 DEADLINE 150
                   COMMAND ${vipd_python} ${vipd_vm_dir}/test_crash_leftovers.py
                           --vipd $<TARGET_FILE:vipd> --deadline 130)
  foreach(scenario failover_link_cut failover_sigkill graceful_shutdown preemption
                   interop_keepalived_unicast_v3)
    vipd_add_vm_test(${scenario} KERNEL 5.10 DEADLINE 150 LOAD ${vipd_vm_netns_load}
                     COMMAND ${vipd_python} ${vipd_netns_dir}/test_${scenario}.py
                             --vipd $<TARGET_FILE:vipd> --deadline 120)
  endforeach()
  # Two kills, not five: the 6.1 tier runs the five; here the point is the 5.10 genetlink path
  # under a big table (each kill costs about 65 s under emulation, and .ci/run has 60 minutes).
  vipd_add_vm_test(trio_big_table KERNEL 5.10 DEADLINE 300
                   COMMAND ${vipd_python} ${vipd_vm_dir}/test_trio_big_table.py
                           --vipd $<TARGET_FILE:vipd> --deadline 270)
  set_tests_properties(vm-5.10.trio_big_table PROPERTIES ENVIRONMENT VIPD_TRIO_BIG_RUNS=2)
  # use_vmac on the oldest kernel: macvlan creation with the address generation mode and the
  # IPv4 devconf over rtnetlink, and no frame from a Backup's VMAC.
  vipd_add_vm_test(vmac_pair KERNEL 5.10 DEADLINE 150 LOAD ${vipd_vm_netns_load},macvlan
                   COMMAND ${vipd_python} ${vipd_netns_dir}/test_vmac_pair.py
                           --vipd $<TARGET_FILE:vipd> --deadline 120)
  vipd_add_vm_test(vip_ownership KERNEL 5.10 DEADLINE 180 LOAD ${vipd_vm_netns_load}
                   COMMAND ${vipd_python} ${vipd_netns_dir}/test_vip_ownership.py
                           --vipd $<TARGET_FILE:vipd> --deadline 150)
  vipd_add_vm_test(systemd_unit KERNEL 5.10 SYSTEMD DEADLINE 420
                   FIXTURES_REQUIRED vipd_deb RESOURCE_LOCK vipd_deb_dir
                   COMMAND ${vipd_python} ${vipd_vm_dir}/test_systemd_unit.py
                           --deb-dir ${vipd_vm_deb_dir})
  # Not in the CI tier (label vm-5.10-extra; `ctest -L vm-5.10-extra`): it boots Debian 12's
  # systemd on Debian 11's kernel, a pair no director runs, and costs 160 s of the CI budget;
  # the unit itself is checked on 6.1 (vm.systemd_unit), and every 5.10 scenario where the kernel
  # matters (VIPs removed without IFA_PROTO, genetlink, macvlan) stays above.
  set_tests_properties(vm-5.10.systemd_unit PROPERTIES LABELS vm-5.10-extra)
endif()
