// Putting a PEM private key and its certificate on a PKCS#11 token so that
// SslOpenPrivateKey finds it: a CKO_PRIVATE_KEY (private, sensitive, not
// extractable, made from the key's components with C_CreateObject), its
// CKO_PUBLIC_KEY and a CKO_CERTIFICATE, all with one random CKA_ID.
//
// A set-up and test aid behind Sslp11ImportPemKey, not part of any handshake:
// tokens such as the NSS softoken without a database keep session objects
// only, and those must be made in the process that uses them. The key bytes
// pass through host memory here (they come from a PEM file), in wiping
// buffers only.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "pkcs11/api.h"

namespace sslp11::core {

constexpr std::size_t kImportedKeyIdLength = 16;

struct PemKeyImport {
  std::span<const std::uint8_t> key_pem;          // PKCS#8 or traditional, unencrypted
  std::span<const std::uint8_t> certificate_pem;  // the first certificate is used
  std::string label;                              // CKA_LABEL
  bool token_objects = false;                     // CKA_TOKEN
};

struct ImportedKeyObjects {
  std::vector<CK_OBJECT_HANDLE> objects;  // private key, public key, certificate
  std::array<std::uint8_t, kImportedKeyIdLength> id{};  // their CKA_ID
};

// Checks the PEM input (core::Error: Fault::bad_data for input that does not
// parse or whose parts disagree, Fault::not_supported for a key neither RSA
// nor EC) and creates the three objects in
// `session`; on a token failure (p11::Error) nothing is left behind.
ImportedKeyObjects import_pem_key(const p11::Api& api, CK_SESSION_HANDLE session, const PemKeyImport& what);

// Destroys the private key, public key and certificate objects with CKA_ID
// `id`; returns how many there were.
std::size_t destroy_imported_key(const p11::Api& api, CK_SESSION_HANDLE session, std::span<const std::uint8_t> id);

}  // namespace sslp11::core
