# Install rules and the Debian package: `cpack -G DEB` in the build directory writes
# vipd_<version>_amd64.deb. The binary's own rule (usr/sbin) lives with its target in src/daemon.
# Paths are Debian 12's: units in /lib/systemd/system, modules-load.d in /usr/lib.

set(vipd_packaging_dir ${PROJECT_SOURCE_DIR}/packaging)
set(vipd_maintainer "vipd maintainers <maintainers@users.noreply.b-seed-ae65717d.example>")

# Man pages and the changelog go in gzipped with -9n (no name, no time stamp), as Debian
# policy and lintian want.
set(vipd_gz_dir ${PROJECT_BINARY_DIR}/packaging)
set(vipd_gz_outputs)
function(vipd_gzip source output)
  get_filename_component(name ${output} NAME)
  set(plain ${vipd_gz_dir}/plain/${name})
  add_custom_command(OUTPUT ${vipd_gz_dir}/${name}.gz
                     COMMAND ${CMAKE_COMMAND} -E make_directory ${vipd_gz_dir}/plain
                     COMMAND ${CMAKE_COMMAND} -E copy ${source} ${plain}
                     COMMAND gzip -9nf ${plain}
                     COMMAND ${CMAKE_COMMAND} -E rename ${plain}.gz ${vipd_gz_dir}/${name}.gz
                     DEPENDS ${source}
                     COMMENT "gzip ${name}"
                     VERBATIM)
  set(vipd_gz_outputs ${vipd_gz_outputs} ${vipd_gz_dir}/${name}.gz PARENT_SCOPE)
endfunction()

foreach(page vipd.8 vipd.toml.5 vipctl.8)
  vipd_gzip(${PROJECT_SOURCE_DIR}/docs/man/${page} ${page})
  string(REGEX MATCH "[0-9]$" section ${page})
  install(FILES ${vipd_gz_dir}/${page}.gz DESTINATION share/man/man${section})
endforeach()

# SOURCE_DATE_EPOCH, when set, makes the date (and so the package) reproducible.
string(TIMESTAMP VIPD_CHANGELOG_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
set(VIPD_MAINTAINER ${vipd_maintainer})
configure_file(${vipd_packaging_dir}/debian/changelog.in ${vipd_gz_dir}/in/changelog @ONLY)
vipd_gzip(${vipd_gz_dir}/in/changelog changelog)
add_custom_target(vipd_packaging_files ALL DEPENDS ${vipd_gz_outputs})

install(FILES ${vipd_packaging_dir}/vipd.service DESTINATION /lib/systemd/system)
install(FILES ${vipd_packaging_dir}/modules-load.d/vipd.conf DESTINATION /usr/lib/modules-load.d)
install(FILES ${vipd_packaging_dir}/vipd.toml DESTINATION /etc/vipd)
# from-keepalived.md: vipd(8) sends the reader of import-keepalived there.
install(FILES ${vipd_packaging_dir}/debian/copyright ${vipd_gz_dir}/changelog.gz
              ${PROJECT_SOURCE_DIR}/docs/from-keepalived.md
        DESTINATION share/doc/vipd)
# Every example in conf/ is shipped, and the packaging test runs `vipd --check` on each.
file(GLOB vipd_examples CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/conf/*.toml)
install(FILES ${vipd_examples} DESTINATION share/doc/vipd/examples)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME vipd)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "vipd")
set(CPACK_PACKAGE_CONTACT ${vipd_maintainer})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "VRRP high-availability daemon with IPVS for Linux directors")
# The body of the long description; CPack puts the summary above it as the synopsis line.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "vipd runs VRRPv2/v3 instances over raw sockets, moves virtual IP addresses
with rtnetlink, announces failover with gratuitous ARP and unsolicited
neighbour advertisements, and programs IPVS virtual services over generic
netlink only on the director that is MASTER for their address. It replaces
the keepalived, ipvsadm and ldirectord trio on load-balancer directors.")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Library dependencies computed by dpkg-shlibdeps (dpkg-dev) from the binary.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "ipvsadm")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${vipd_packaging_dir}/debian/conffiles
    ${vipd_packaging_dir}/debian/postinst
    ${vipd_packaging_dir}/debian/prerm
    ${vipd_packaging_dir}/debian/postrm)
# Only what the install rules above name: no source package.
set(CPACK_SOURCE_GENERATOR "")
include(CPack)
