// The (EC)DHE shared secret of a TLS 1.3 handshake as a token object: the IKM
// of the handshake secret (RFC 8446 §7.1, §7.4.2: the x-coordinate, fixed
// length). Its template follows the schedule's path (core/tls13_templates.h):
// a derive base on the native path, readable on the composed one, where
// HKDF-Extract reads it as its HMAC message.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "pkcs11/capabilities.h"
#include "pkcs11/object.h"

namespace sslp11::core {

// Z = ECDH(own private key, peer's uncompressed point) with CKD_NULL, of
// `z_bytes` bytes (the curve's coordinate length). A point the token refuses
// throws core::Error(Fault::bad_data).
p11::Object ecdhe_shared_secret(const std::shared_ptr<p11::SessionPool>& pool, p11::DerivationPath path,
                                const p11::Object& own_private, std::span<const std::uint8_t> peer_point,
                                std::size_t z_bytes);

}  // namespace sslp11::core
