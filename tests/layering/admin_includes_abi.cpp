// Must NOT compile: sslp11-admin sees the C boundary only as the exported
// API in the public headers, never its internals.
#include <sslp11/sslp11.h>
#include "pkcs11/session.h"
#include "abi/guard.h"
