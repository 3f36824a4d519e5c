# vipd_add_library(NAME SOURCES... [DEPENDS targets...])
# A module library: public headers under include/vipd/, private sources under src/.
function(vipd_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/include)
  target_link_libraries(${name} PUBLIC ${ARG_DEPENDS})
endfunction()

# vipd_add_unit_test(NAME SOURCES... [DEPENDS targets...] [LABELS labels...])
# A GoogleTest binary; each TEST becomes a CTest test labelled `unit` unless LABELS say otherwise,
# with a timeout (TIMEOUT seconds, default 120: a hung test fails instead of stalling the tier).
function(vipd_add_unit_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPENDS;LABELS" ${ARGN})
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  if(VIPD_UNOPTIMISED_TESTS)
    target_compile_options(${name} PRIVATE -O0)
  endif()
  target_link_libraries(${name} PRIVATE ${ARG_DEPENDS} GTest::gtest GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${name} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
                       DISCOVERY_TIMEOUT 30)
endfunction()
