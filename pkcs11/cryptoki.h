// The one include for PKCS#11 types in sslp11: p11-kit's header (compat mode,
// standard CK_* names) plus the TLS parameter structs it lacks.
#pragma once

#include <p11-kit/pkcs11.h>

#include "pkcs11/tls_params.h"
