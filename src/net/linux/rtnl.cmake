# rtnetlink adapters: target_sources(vipd_net_linux PRIVATE ...)
