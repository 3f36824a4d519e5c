# The Linux ipvs_port: IPVS over generic netlink (libnl-genl-3), batched requests.
vipd_add_library(vipd_ipvs_linux
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/genl_translate.cpp
    ${CMAKE_CURRENT_LIST_DIR}/genl_wire.cpp
    ${CMAKE_CURRENT_LIST_DIR}/genl_client.cpp
    ${CMAKE_CURRENT_LIST_DIR}/genl_dump.cpp
  DEPENDS vipd_ipvs PkgConfig::LIBNL PkgConfig::LIBNL_GENL)
