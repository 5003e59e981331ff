// LeakSanitizer's built-in suppressions for the tests that drive a token through
// p11-kit-client.so (compiled into those executables; the LSan runtime looks the
// hook up by name, so a static library would drop this object file).
//
// When the p11-kit server dies, sslp11 re-initialises the client module
// (C_Finalize + C_Initialize: p11-kit-client only connects in C_Initialize).
// Now and then p11-kit 0.24's rpc_C_Finalize refuses with
// "'module->initialized_forkid == p11_forkid' not true" and does not release its
// connection state, and LeakSanitizer then reports 160 bytes allocated inside
// p11-kit-client.so. Only allocations whose stack is inside p11-kit-client.so
// are silenced; a leak in sslp11's own code is still reported. Root cause not
// found yet (see the session note).
extern "C" const char* __lsan_default_suppressions() { return "leak:p11-kit-client.so\n"; }
