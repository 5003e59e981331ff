// The TLS 1.2 key schedule on a token, in two interchangeable implementations:
//   NativeKeySchedule   - CKM_TLS12_MASTER_KEY_DERIVE[_DH], the token's EMS
//                         mechanism and CKM_TLS12_KEY_AND_MAC_DERIVE: nothing
//                         secret ever reaches host memory.
//   ComposedKeySchedule - for tokens with only HMAC (SoftHSMv2): the PRF is
//                         P_hash built from C_Sign(CKM_SHA*_HMAC) with the
//                         pre-master / master object as the HMAC key. The PRF
//                         output (master secret, key block) passes through a
//                         wiped host buffer on its way to C_CreateObject.
// Both produce byte-identical keys (the tests prove it against OpenSSL).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/cipher_suites.h"
#include "pkcs11/capabilities.h"
#include "pkcs11/object.h"
#include "pkcs11/secure_buffer.h"

namespace sslp11::core {

using Random = std::array<std::uint8_t, 32>;

struct MasterInput {
  Random client_random{};
  Random server_random{};
  // RFC 7627: when set, master = PRF(pms, "extended master secret", session_hash).
  std::optional<std::vector<std::uint8_t>> session_hash;
  // RSA pre-masters carry a version; (EC)DH ones do not.
  bool rsa_premaster = false;
  // Length of the pre-master in bytes, known from how it was made (so the hot
  // path needs no C_GetAttributeValue).
  std::size_t premaster_bytes = 48;
  // Make the master extractable for a pool blob (TokenPool::masters_wrappable).
  bool wrappable = false;
};

struct MasterResult {
  p11::Object secret;
  // RSA pre-masters, native path: the version the token read from the
  // pre-master (tokens may return 0xFF,0xFF to avoid leaking it).
  std::optional<CK_VERSION> premaster_version;
};

struct KeyBlock {
  p11::Object client_mac, server_mac;  // empty for AEAD suites
  p11::Object client_key, server_key;
  p11::SecureBytes client_iv, server_iv;  // fixed IVs (empty for CBC in TLS 1.2)
};

class KeySchedule {
 public:
  virtual ~KeySchedule() = default;
  virtual p11::DerivationPath path() const noexcept = 0;

  // The 48-byte master secret as a token object. `pms` stays untouched.
  virtual MasterResult derive_master(const std::shared_ptr<p11::SessionPool>& pool, const p11::Object& pms,
                                    const CipherSuite& suite, const MasterInput& in) const = 0;

  virtual KeyBlock derive_key_block(const std::shared_ptr<p11::SessionPool>& pool, const p11::Object& master,
                                    const CipherSuite& suite, const Random& client_random,
                                    const Random& server_random) const = 0;
};

std::unique_ptr<KeySchedule> make_key_schedule(p11::DerivationPath path, const p11::Capabilities& caps);

}  // namespace sslp11::core
