// ThreadSanitizer's built-in suppressions for test_stress (read only when the
// executable is built with -fsanitize=thread; otherwise an unused function).
//
// NSS softoken, under 8 threads deriving keys, makes TSan report
// lock-order-inversions between two of its own internal PR_Lock mutexes, both
// taken inside one C_DeriveKey on one thread (softoken stripes its session and
// object locks over fixed buckets, so two unrelated objects can meet the same
// pair of buckets in either order). sslp11 holds none of its own locks in that
// cycle, and the report is about code we do not build. Only "deadlock" reports
// whose stacks pass through NSPR's PR_Lock are silenced; every data race, and
// every lock cycle involving sslp11's mutexes, is still reported.
extern "C" const char* __tsan_default_suppressions() { return "deadlock:PR_Lock\n"; }
