// The object behind an NCRYPT_HASH_HANDLE: a TLS 1.2 handshake transcript
// (SslCreateHandshakeHash) or a CertificateVerify transcript with a hash of
// the caller's choosing (SslCreateClientAuthHash).
//
// Where the transcript hash is computed: on the token. The object keeps the
// transcript *bytes* in host memory -- they are the public handshake messages
// that crossed the wire -- and every digest is one C_DigestInit + C_Digest
// over the whole buffer in a pooled session. sslp11 carries no SHA-2 of its
// own (OpenSSL is only the tests' oracle). Buffering instead of a running
// token digest state is what makes every compute non-destructive (PKCS#11 has
// no portable way to fork a digest context: C_GetOperationState is optional
// and SoftHSMv2 lacks it) and duplication a plain copy.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "core/cipher_suites.h"
#include "core/keys.h"
#include "pkcs11/session_pool.h"

namespace sslp11::core {

class HandshakeHash {
 public:
  // A transcript longer than this is refused (Fault::invalid_parameter): a TLS
  // 1.2 handshake with a long certificate chain is tens of KiB, so 1 MiB means
  // a confused caller or a peer trying to make us buffer without bound.
  static constexpr std::size_t kMaxTranscript = std::size_t{1} << 20;

  HandshakeHash(std::shared_ptr<TokenContext> token, std::uint32_t protocol, const CipherSuite& suite, HashAlg hash);

  const std::shared_ptr<TokenContext>& token() const noexcept { return token_; }
  std::uint32_t protocol() const noexcept { return protocol_; }
  const CipherSuite& suite() const noexcept { return *suite_; }
  HashAlg hash() const noexcept { return hash_; }
  std::size_t digest_bytes() const noexcept { return hash_bytes(hash_); }

  // Appends handshake message bytes. All or nothing: past kMaxTranscript it
  // throws Error(Fault::invalid_parameter) and keeps what it had.
  void append(std::span<const std::uint8_t> bytes);

  // Hash(transcript so far), computed by the token in `lease`'s session (or a
  // pooled one) -- unless this transcript was digested already: the
  // transcript only grows, so the same length means the same bytes, and the
  // last digest is answered again without the token. TLS 1.3 asks twice for
  // the hash up to the server Finished (the application traffic secrets and
  // the client Finished); a TLS 1.2 peer may ask SslGetHandshakeHash again.
  // A digest of public messages is public: no wipe needed.
  std::vector<std::uint8_t> digest(const p11::Lease& lease) const;
  std::vector<std::uint8_t> digest() const;

  // An independent copy (SslDuplicateTranscriptHash).
  std::shared_ptr<HandshakeHash> duplicate() const;

 private:
  const std::shared_ptr<TokenContext> token_;
  const std::uint32_t protocol_;
  const CipherSuite* const suite_;
  const HashAlg hash_;
  // Calls on one handle are not expected to overlap, but a misbehaving caller
  // must not corrupt memory: every access to the transcript holds `mutex_`.
  mutable std::mutex mutex_;
  std::vector<std::uint8_t> transcript_;
  mutable std::vector<std::uint8_t> last_digest_;  // empty: none yet
  mutable std::size_t last_digest_length_ = 0;    // transcript_.size() it covers
};

// SslCreateHandshakeHash: the suite's PRF hash.
std::shared_ptr<HandshakeHash> create_handshake_hash(const Provider& provider, std::uint32_t protocol,
                                                     const CipherSuite& suite);
// SslCreateClientAuthHash: the hash the CertificateVerify signature will use.
std::shared_ptr<HandshakeHash> create_client_auth_hash(const Provider& provider, std::uint32_t protocol,
                                                       const CipherSuite& suite, HashAlg hash);

}  // namespace sslp11::core
