# Pure codecs (DNS wire, HTTP response matching) and the probes against in-process loopback
# servers (127.0.0.1 / ::1 only, no root; the script "user" case skips without root).
vipd_add_unit_test(vipd_health_checkers_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/dns_codec_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/http_match_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/http_response_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/process_runner_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/socket_probes_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/http_probe_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/lifetime_test.cpp
  DEPENDS vipd_health_checkers)
# lifetime_test drives attempt_probe, the checkers' own header.
target_include_directories(vipd_health_checkers_test PRIVATE ${PROJECT_SOURCE_DIR}/src/health/checkers)
