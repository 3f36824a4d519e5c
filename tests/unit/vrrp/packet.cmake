# The VRRP advertisement codec and drop reasons; golden vectors in keepalived_vectors.hpp.
vipd_add_unit_test(vipd_vrrp_packet_tests
  SOURCES packet_test.cpp drop_reason_test.cpp peers_test.cpp
  DEPENDS vipd_vrrp)
