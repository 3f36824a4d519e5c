# rtnetlink adapters against the real kernel, each test in its own network namespace (root).
vipd_add_unit_test(vipd_net_rtnl_tests
  SOURCES rtnl_addresses_test.cpp rtnl_link_monitor_test.cpp
  DEPENDS vipd_net_linux
  LABELS netns)
