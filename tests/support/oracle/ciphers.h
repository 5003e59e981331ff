// The record ciphers by OpenSSL (EVP ciphers): AES-GCM and
// ChaCha20-Poly1305 with a 16-byte tag, AES-CBC on whole blocks without
// padding. The key size picks AES-128 or AES-256.
#pragma once

#include <optional>

#include "support/oracle/bytes.h"
#include "support/suite_facts.h"

namespace sslp11::oracle {

// `cipher` is aes_gcm or chacha20_poly1305: ciphertext || tag.
Bytes aead_seal(Cipher cipher, ByteView key, ByteView nonce, ByteView aad, ByteView plaintext);
// The plaintext, or nullopt when the tag does not verify.
std::optional<Bytes> aead_open(Cipher cipher, ByteView key, ByteView nonce, ByteView aad, ByteView sealed);

Bytes aes_cbc_encrypt(ByteView key, ByteView iv, ByteView plaintext);  // whole blocks, no padding
Bytes aes_cbc_decrypt(ByteView key, ByteView iv, ByteView ciphertext);

}  // namespace sslp11::oracle
