// A shared library that loads but is no PKCS#11 module: it has no
// C_GetFunctionList, and it links nothing that has one (libsslp11.so would
// not do: dlsym finds p11-kit's proxy module among its dependencies).
extern "C" __attribute__((visibility("default"))) int sslp11_test_not_a_pkcs11_module(void) { return 0; }
