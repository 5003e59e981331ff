// The fallback of the pool-key ceremony (`sslp11-admin pool-key import`): the
// pool key's value read from a file that only its owner can access, as 64 hex
// digits on its first line (`openssl rand -hex 32`), into a buffer wiped on
// every exit. The value is never printed or put into a message.
#pragma once

#include <string>

#include "pkcs11/pool_key.h"
#include "pkcs11/secure_buffer.h"

namespace sslp11::cli {

using PoolKeyValue = p11::SecretArray<p11::pool_key::kKeyBytes>;

// Throws UsageError (exit 2) for a file that is missing, not a regular file,
// open to group or others (mode & 077, like PIN files), or not 64 hex digits.
void read_pool_key_file(const std::string& path, PoolKeyValue& value);

}  // namespace sslp11::cli
