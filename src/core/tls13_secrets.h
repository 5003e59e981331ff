// The TLS 1.3 secrets the core hands out (RFC 8446 §7.1): each one token
// object of the suite's hash length, with what it is and which path made it,
// so every step can refuse an input of the wrong kind. Plain move-only
// values: the C boundary decides how a handle names one.
#pragma once

#include <string_view>

#include "core/tls13_suites.h"
#include "pkcs11/capabilities.h"
#include "pkcs11/object.h"
#include "pkcs11/secure_buffer.h"

namespace sslp11::core {

enum class Tls13SecretKind {
  psk,                         // a resumption PSK (ticket) or an external PSK: the early secret's IKM
  early,                       // HKDF-Extract(0, PSK or zeros)
  external_binder,             // "ext binder"
  resumption_binder,           // "res binder"
  client_early_traffic,        // "c e traffic" (0-RTT)
  early_exporter_master,       // "e exp master"
  handshake,                   // HKDF-Extract(Derive-Secret(early, "derived"), (EC)DHE)
  client_handshake_traffic,    // "c hs traffic"
  server_handshake_traffic,    // "s hs traffic"
  master,                      // HKDF-Extract(Derive-Secret(handshake, "derived"), 0)
  client_application_traffic,  // "c ap traffic", and every "traffic upd" after it
  server_application_traffic,  // "s ap traffic", and every "traffic upd" after it
  exporter_master,             // "exp master"
  resumption_master,           // "res master"
};

std::string_view tls13_secret_name(Tls13SecretKind kind);  // "client handshake traffic secret"

// Traffic secrets (early, handshake, application): what SslExpandWriteKey takes.
bool is_traffic_secret(Tls13SecretKind kind);

struct Tls13Secret {
  const Tls13Suite* suite = nullptr;
  Tls13SecretKind kind = Tls13SecretKind::early;
  p11::DerivationPath path = p11::DerivationPath::native;
  // CKK_GENERIC_SECRET, sensitive and not extractable -- except a PSK or an
  // (EC)DHE secret on the composed path, which HKDF-Extract must read
  // (docs/security.md, "TLS 1.3 key schedule (core)").
  p11::Object object;
  // A resumption PSK made extractable in a pool with a pool key: its opaque
  // blob carries it wrapped (core/tls13_pool_blobs.h). False for every other secret.
  bool wrappable = false;
};

// One direction's TLS 1.3 record protection: the write key as a token object
// (CKK_AES or CKK_CHACHA20, encrypt and decrypt only) and the 12-byte write IV,
// which RFC 8446 §5.3 mixes with the sequence number in the clear.
struct Tls13WriteKey {
  const Tls13Suite* suite = nullptr;
  p11::DerivationPath path = p11::DerivationPath::native;
  p11::Object key;
  p11::SecureBytes iv;
};

}  // namespace sslp11::core
