# Socket adapters: the raw VRRP socket (protocol 112) and the AF_PACKET frame sender.
target_sources(vipd_net_linux PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/vrrp_socket.cpp
  ${CMAKE_CURRENT_LIST_DIR}/packet_socket.cpp)
