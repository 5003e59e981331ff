// Must NOT compile: pkcs11/ is below the core. The first include proves the
// probe sees what a pkcs11/ source sees; the second must not be found.
#include "pkcs11/error.h"
#include "core/keys.h"
