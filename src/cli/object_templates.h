// The one place sslp11-admin builds attribute templates for the objects it
// makes (core/templates.h does the same for the provider's session objects).
// Long-term keys are token objects: private keys CKA_PRIVATE, CKA_SENSITIVE,
// not CKA_EXTRACTABLE, allowed to sign (and, for RSA, to decrypt and unwrap
// the TLS pre-master); public keys and certificates share their CKA_ID and
// CKA_LABEL so that SslOpenPrivateKey finds the key from the certificate.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "cli/key_formats.h"
#include "pkcs11/attributes.h"

namespace sslp11::cli::object_templates {

struct Naming {
  std::string_view label;
  std::span<const std::uint8_t> id;
};

// C_GenerateKeyPair halves.
p11::AttributeTemplate rsa_public_to_generate(const Naming& n, CK_ULONG bits);
p11::AttributeTemplate ec_public_to_generate(const Naming& n, const p11::EcCurve& curve);
p11::AttributeTemplate private_to_generate(const Naming& n, KeyAlgorithm algorithm);

// C_CreateObject of imported objects. The private templates carry the key
// material in their own wiped buffers.
p11::AttributeTemplate private_to_import(const Naming& n, const PrivateKey& key);
p11::AttributeTemplate public_to_import(const Naming& n, const PublicKey& key);
p11::AttributeTemplate certificate_to_import(const Naming& n, const Certificate& cert);

// The pool-key ceremony's key-encryption key (pool_key_transport.h): session
// objects only, gone with the session at the latest. The receiving member
// makes the pair (the private half sensitive, not extractable, unwrap only);
// the sending member gets the public half as a session object (wrap only).
p11::AttributeTemplate kek_public_to_generate(CK_ULONG bits);
p11::AttributeTemplate kek_private_to_generate();
p11::AttributeTemplate kek_public_to_create(std::span<const std::uint8_t> modulus,
                                            std::span<const std::uint8_t> exponent);

}  // namespace sslp11::cli::object_templates
