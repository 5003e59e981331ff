// The handshake transcript, kept by the token through SslCreateHandshakeHash /
// SslHashHandshake (reference §2.G, §7). Each handshake message goes in with
// its 4-byte header and never with a record header. The hash depends on the
// suite, so messages are buffered until the suite is known (the ClientHello,
// as a client, until the ServerHello arrives). The messages are public, so a
// copy stays here too: a client CertificateVerify hash needs them all again
// (SslCreateClientAuthHash), a server checks that signature over them.
#pragma once

#include <cstdint>
#include <vector>

#include "tls/bytes.h"
#include "tls/provider.h"

namespace sslp11::tls {

class Transcript {
 public:
  explicit Transcript(const Provider& provider) : provider_(provider) {}

  // SslCreateHandshakeHash for TLS 1.2 and `suite`, then the buffered messages.
  void start(std::uint32_t suite);
  bool started() const noexcept { return static_cast<bool>(hash_); }
  // SslHashHandshake (or buffer, before start()).
  void add(ByteView handshake_message);

  // RFC 7627 session_hash: SslComputeSessionHash (the hash goes on).
  Bytes session_hash();
  // verify_data: SslComputeFinishedHash with NCRYPT_SSL_CLIENT_FLAG or _SERVER_FLAG.
  Bytes finished(NCRYPT_KEY_HANDLE master, DWORD side_flag);
  // What a client's CertificateVerify signs (RFC 5246 §7.4.8): the `hash`
  // ("SHA256", "SHA384") of the messages so far, by a client-auth hash object
  // fed with all of them (SslCreateClientAuthHash, SslComputeClientAuthHash).
  Bytes client_auth_digest(NCRYPT_KEY_HANDLE master, const char* hash) const;
  // The messages so far, concatenated: what a CertificateVerify covers.
  Bytes messages() const;

 private:
  const Provider& provider_;
  SslObject hash_;
  std::uint32_t suite_ = 0;
  std::vector<Bytes> messages_;
};

}  // namespace sslp11::tls
