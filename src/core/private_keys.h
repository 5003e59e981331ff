// Finding the token's long-term private key for a certificate.
#pragma once

#include <memory>
#include <span>

#include "core/keys.h"

namespace sslp11::core {

// The certificate (DER) must be on the token as a CKO_CERTIFICATE; its CKA_ID
// names the private key (the pairing `sslp11-admin import` and pkcs11-tool
// make). Throws Error(Fault::not_found) naming what is missing.
std::shared_ptr<PrivateKey> open_private_key_for_certificate(const Provider& provider,
                                                             std::span<const std::uint8_t> der);

}  // namespace sslp11::core
