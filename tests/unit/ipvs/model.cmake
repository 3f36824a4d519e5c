vipd_add_unit_test(vipd_ipvs_tests
  SOURCES model_test.cpp reconciler_test.cpp fake_ipvs_port_test.cpp key_list_test.cpp
  DEPENDS vipd_ipvs)
