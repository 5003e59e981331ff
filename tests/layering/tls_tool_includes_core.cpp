// Must NOT compile: sslp11-tls uses the public headers and libsslp11.so only.
#include <sslp11/sslprovider.h>
#include "core/keys.h"
