# `cpack -G DEB` in a build tree: one Debian package holding what
# src/install.cmake installs. Its library dependencies come from
# dpkg-shlibdeps; the test tokens are recommendations, since any PKCS#11
# module will do.
set(CPACK_PACKAGE_NAME sslp11)
set(CPACK_PACKAGE_VENDOR "sslp11")
set(CPACK_PACKAGE_CONTACT "sslp11 maintainers <sslp11@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Windows CNG SSL Protocol Provider API with TLS secrets in PKCS#11 tokens")
set(CPACK_PACKAGE_DESCRIPTION "sslp11 gives Linux the Windows sslprovider.h API (SslOpenProvider, SslGenerateMasterKey, SslEncryptPacket, the TLS 1.3 SslExtract*/SslExpand* functions, ...) with every TLS secret kept inside a PKCS#11 token or HSM. It ships libsslp11, its headers, sslp11-admin (token set-up and checks) and sslp11-tls (a TLS client and server on the API).")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "p11-kit-modules, softhsm2 | libnss3")
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_GENERATOR DEB)
include(CPack)
