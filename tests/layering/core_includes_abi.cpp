// Must NOT compile: the core is below the C boundary.
#include "core/cipher_suites.h"
#include "abi/guard.h"
