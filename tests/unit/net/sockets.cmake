# Real-kernel tests of the raw VRRP socket and the AF_PACKET sender. Each test moves itself into a
# private network namespace (root only; skipped otherwise).
vipd_add_unit_test(vipd_net_sockets_tests SOURCES sockets_test.cpp DEPENDS vipd_net_linux LABELS netns)
