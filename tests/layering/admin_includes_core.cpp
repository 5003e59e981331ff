// Must NOT compile: sslp11-admin drives the provider through the public API
// and administers tokens with pkcs11/, never the core.
#include <sslp11/sslprovider.h>
#include "pkcs11/session.h"
#include "core/keys.h"
