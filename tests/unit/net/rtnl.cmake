# rtnetlink adapters against the real kernel, each test in its own network namespace (root).
vipd_add_unit_test(vipd_net_rtnl_tests
  SOURCES rtnl_addresses_test.cpp rtnl_link_monitor_test.cpp rtnl_vmacs_test.cpp rtnl_routes_test.cpp
  DEPENDS vipd_net_linux
  LABELS netns)

# The reply parsers (a private header of net/linux) on the fuzzer's reproducers, and the route
# dump request's bytes; no root needed.
vipd_add_unit_test(vipd_net_rtnl_parse_tests SOURCES rtnl_parse_test.cpp rtnl_request_test.cpp
  DEPENDS vipd_net_linux)
target_include_directories(vipd_net_rtnl_parse_tests PRIVATE ${PROJECT_SOURCE_DIR}/src/net/linux)
target_compile_definitions(vipd_net_rtnl_parse_tests PRIVATE VIPD_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
# The kernel tests also build dump requests with the private helpers of net/linux.
target_include_directories(vipd_net_rtnl_tests PRIVATE ${PROJECT_SOURCE_DIR}/src/net/linux)
