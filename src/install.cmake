# What `cmake --install` puts where (GNUInstallDirs): the library with its
# soname, the public headers, both tools, man pages, bash completion, the
# example configs as documentation, a pkg-config file and a CMake package
# (find_package(sslp11) -> imported target sslp11::sslp11).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# Windows code says #include <sslprovider.h>; new code may say
# <sslp11/sslprovider.h>: both resolve in the installed tree.
target_include_directories(sslp11 PUBLIC
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/sslp11>)

install(TARGETS sslp11 EXPORT sslp11-targets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/sslp11
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp")
install(FILES ${PROJECT_BINARY_DIR}/generated-include/sslp11/version.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/sslp11)
install(TARGETS sslp11-admin sslp11-tls RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(FILES ${PROJECT_SOURCE_DIR}/docs/man/sslp11-admin.1 ${PROJECT_SOURCE_DIR}/docs/man/sslp11-tls.1
  DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/docs/man/sslp11.conf.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
install(FILES ${PROJECT_SOURCE_DIR}/scripts/bash-completion/sslp11-admin
              ${PROJECT_SOURCE_DIR}/scripts/bash-completion/sslp11-tls
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
file(GLOB sslp11_example_configs ${PROJECT_SOURCE_DIR}/config/*.conf)
install(FILES ${sslp11_example_configs} DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

configure_file(${CMAKE_CURRENT_LIST_DIR}/sslp11.pc.in ${PROJECT_BINARY_DIR}/sslp11.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/sslp11.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

set(sslp11_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/sslp11)
install(EXPORT sslp11-targets NAMESPACE sslp11:: DESTINATION ${sslp11_cmake_dir})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/sslp11-config.cmake.in
  ${PROJECT_BINARY_DIR}/sslp11-config.cmake INSTALL_DESTINATION ${sslp11_cmake_dir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/sslp11-config-version.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/sslp11-config.cmake ${PROJECT_BINARY_DIR}/sslp11-config-version.cmake
  DESTINATION ${sslp11_cmake_dir})
