# rtnetlink adapters (libnl-3 / libnl-route-3): address_port, vmac_port, route_port and
# link_monitor.
target_sources(vipd_net_linux PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/rtnl_netlink.cpp
  ${CMAKE_CURRENT_LIST_DIR}/rtnl_addresses.cpp
  ${CMAKE_CURRENT_LIST_DIR}/rtnl_link_monitor.cpp
  ${CMAKE_CURRENT_LIST_DIR}/rtnl_vmacs.cpp
  ${CMAKE_CURRENT_LIST_DIR}/rtnl_routes.cpp)
