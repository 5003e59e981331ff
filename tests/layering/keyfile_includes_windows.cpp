// Must NOT compile: keyfile/ (linked by sslp11-admin) knows no Windows types.
#include "keyfile/key_parts.h"
#include <sslp11/winerror.h>
