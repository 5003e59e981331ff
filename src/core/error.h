// The core's own error language: what went wrong, named in the terms of the
// TLS key schedule and record layer rather than any API's codes. The C
// boundary (src/abi/status_translation.cpp) decides which SECURITY_STATUS each
// Fault becomes; the core never sees a Windows status. A token call that
// fails reaches the caller as p11::Error instead, with its CKR_* code.
#pragma once

#include <stdexcept>
#include <string>

namespace sslp11::core {

enum class Fault {
  bad_data,           // input that does not parse: a record, an opaque key blob, a peer's or the token's public key
  bad_key_state,      // the key exists but its token objects were lost with their session
  bad_signature,      // a signature that does not parse or does not verify
  buffer_too_small,   // the caller's output buffer cannot hold the result
  decryption_failed,  // a record did not authenticate (bad tag, MAC or padding, all alike)
  invalid_parameter,  // a value outside what the operation accepts (length, label, scheme, curve of the peer)
  wrong_key,          // a key of the wrong kind for the operation (a DH key to verify, RSA key exchange without RSA)
  not_found,          // a token object the operation needs is not on the token
  not_supported,      // the token, the policy or sslp11 cannot do what was asked
  operation_failed,   // a token call succeeded but produced an unusable result
  internal,           // sslp11 broke one of its own invariants, or the token returned nothing sslp11 can use
};

// Thrown by the core. The text says what was refused and why, for the
// caller's last-error text and the logs; never PINs or key bytes.
class Error : public std::runtime_error {
 public:
  Error(Fault fault, const std::string& why) : std::runtime_error(why), fault_(fault) {}
  Fault fault() const noexcept { return fault_; }

 private:
  Fault fault_;
};

}  // namespace sslp11::core
