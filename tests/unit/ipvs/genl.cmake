# The generic netlink adapter's pure translation and reply parsers (unit), and its real-kernel
# tests. The kernel tests need root and a kernel with ip_vs (the VM tier): built, not registered
# with CTest; the VM tier runs the binary itself.
vipd_add_unit_test(vipd_ipvs_genl_translate_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/genl_translate_test.cpp ${CMAKE_CURRENT_LIST_DIR}/genl_wire_test.cpp
  DEPENDS vipd_ipvs_linux)
# genl_wire.hpp is private to the adapter: its parsers are tested against captured replies.
target_include_directories(vipd_ipvs_genl_translate_tests PRIVATE ${PROJECT_SOURCE_DIR}/src/ipvs/linux)

add_executable(vipd_ipvs_genl_kernel_tests ${CMAKE_CURRENT_LIST_DIR}/genl_kernel_test.cpp)
target_include_directories(vipd_ipvs_genl_kernel_tests PRIVATE ${PROJECT_SOURCE_DIR}/tests)
target_link_libraries(vipd_ipvs_genl_kernel_tests PRIVATE vipd_ipvs_linux GTest::gtest
  GTest::gtest_main)
