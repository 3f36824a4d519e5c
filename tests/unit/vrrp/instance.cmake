# Timer formulas and the sans-IO state machine; no codec needed (adverts are built as structs).
vipd_add_unit_test(vipd_vrrp_instance_tests
  SOURCES timers_test.cpp instance_test.cpp tracking_test.cpp sync_group_member_test.cpp
          track_file_test.cpp track_process_test.cpp
  DEPENDS vipd_vrrp)
