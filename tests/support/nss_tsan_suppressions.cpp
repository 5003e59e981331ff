// ThreadSanitizer's built-in suppressions for the test executables that drive
// NSS softoken from many threads or through many handshakes (tests/stress,
// tests/faults). Compiled into each such executable, not into a library: the
// TSan runtime looks the hook up by name, so nothing references this object
// file and a static library would drop it. In builds without TSan it is an
// unused function.
//
// NSS softoken stripes its session and object locks over fixed buckets, so two
// unrelated objects can meet the same pair of buckets in either order, and a
// process that derives key blocks repeatedly gets lock-order reports between
// two of softoken's own NSPR locks, both taken inside one C_DeriveKey on one
// thread. NSS never calls back into sslp11, so such a cycle cannot contain an
// sslp11 lock. Only "deadlock" reports through NSPR's PR_Lock are silenced;
// every data race, and every lock cycle involving sslp11's mutexes, is still
// reported.
extern "C" const char* __tsan_default_suppressions() { return "deadlock:PR_Lock\n"; }
