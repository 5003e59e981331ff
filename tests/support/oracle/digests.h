// Hashes and HMAC by OpenSSL (EVP_Digest, EVP_MAC "HMAC").
#pragma once

#include "support/oracle/bytes.h"
#include "support/suite_facts.h"

namespace sslp11::oracle {

const char* openssl_digest_name(Hash h);  // "SHA256"; "" for Hash::none
Bytes digest(Hash h, ByteView data);
Bytes hmac(Hash h, ByteView key, ByteView data);

}  // namespace sslp11::oracle
