// The TLS 1.3 transcript (RFC 8446 §4.4.1): a token hash object made by
// SslCreateHandshakeHash under 0x0304, fed by SslHashHandshake. The messages
// are public, so a copy of them stays here too: for the synthetic
// message_hash that replaces ClientHello1 after a HelloRetryRequest, for the
// hash a CertificateVerify signs, and for the separate hash a PSK binder
// needs (the ClientHello without its binders).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tls/bytes.h"
#include "tls/provider.h"

namespace sslp11::tls {

class Transcript13 {
 public:
  explicit Transcript13(const Provider& provider) : provider_(provider) {}

  // The suite fixes the hash: the token object is made, buffered messages go in.
  void start(std::uint32_t suite);
  bool started() const noexcept { return static_cast<bool>(hash_); }
  void add(ByteView handshake_message);
  // After a HelloRetryRequest: everything so far (ClientHello1) becomes
  // message_hash = 254 00 00 Hash.length Hash(ClientHello1). Starts the transcript.
  void collapse_to_message_hash(std::uint32_t suite);

  // The hash length of a TLS 1.3 suite (its Finished and binder length).
  static std::size_t hash_bytes_of(const Provider& provider, std::uint32_t suite);

  NCRYPT_HASH_HANDLE handle() const noexcept { return hash_.get(); }
  std::size_t hash_bytes() const noexcept { return hash_bytes_; }
  const std::string& hash_name() const noexcept { return hash_name_; }
  // Hash of the messages so far, computed on the host from public bytes.
  Bytes host_hash() const;
  // A fresh token hash (for `suite`) over the messages so far plus `tail`:
  // what a PSK binder's SslComputeFinishedHash takes.
  SslObject fork_with(std::uint32_t suite, ByteView tail) const;
  // A transcript of its own (a fresh token hash) over the messages so far: a
  // post-handshake authentication's transcript is the handshake's plus its
  // own messages (RFC 8446 §4.4), one fork per request.
  Transcript13 fork() const;

 private:
  void choose_hash(std::uint32_t suite);

  const Provider& provider_;
  std::uint32_t suite_ = 0;
  SslObject hash_;
  std::string hash_name_;
  std::size_t hash_bytes_ = 0;
  std::vector<Bytes> messages_;
};

}  // namespace sslp11::tls
