# Health probes on the daemon's Asio loop: tcp, http/https (Beast + OpenSSL), udp, dns, script
# (through process_runner, which notify hooks share). The pure parts (http_match, dns_codec)
# sit in the same library but include no Asio; http_response is the probe's sans-IO response
# reader (Beast's parser without the socket).
find_package(OpenSSL REQUIRED)
vipd_add_library(vipd_health_checkers
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/common.cpp
    ${CMAKE_CURRENT_LIST_DIR}/dns_codec.cpp
    ${CMAKE_CURRENT_LIST_DIR}/http_match.cpp
    ${CMAKE_CURRENT_LIST_DIR}/http_probe.cpp
    ${CMAKE_CURRENT_LIST_DIR}/http_response.cpp
    ${CMAKE_CURRENT_LIST_DIR}/make_probe.cpp
    ${CMAKE_CURRENT_LIST_DIR}/process_runner.cpp
    ${CMAKE_CURRENT_LIST_DIR}/script_probe.cpp
    ${CMAKE_CURRENT_LIST_DIR}/socket_probes.cpp
    ${CMAKE_CURRENT_LIST_DIR}/tls_contexts.cpp
  DEPENDS vipd_core vipd_health vipd_io OpenSSL::SSL OpenSSL::Crypto PkgConfig::PCRE2
          Threads::Threads)
