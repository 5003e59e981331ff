// Must NOT compile: only src/abi speaks Windows; the core has its own errors.
#include "core/cipher_suites.h"
#include <sslp11/winerror.h>
