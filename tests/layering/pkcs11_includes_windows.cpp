// Must NOT compile: the PKCS#11 layer speaks PKCS#11 (CKR codes), not Windows.
#include "pkcs11/error.h"
#include <sslp11/winerror.h>
