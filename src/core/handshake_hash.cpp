#include "core/handshake_hash.h"

#include "core/error.h"

namespace sslp11::core {

namespace {

std::shared_ptr<HandshakeHash> create(const Provider& provider, std::uint32_t protocol, const CipherSuite& suite,
                                      HashAlg hash) {
  const CK_MECHANISM_TYPE mech = hash_mechanism(hash);
  const auto info = provider.token()->capabilities().info(mech);
  if (!info || (info->flags & CKF_DIGEST) == 0) {
    throw Error(Fault::not_supported, "the token cannot digest with " + p11::mechanism_name(mech) +
                                          ", and sslp11 computes the handshake hash on the token");
  }
  return std::make_shared<HandshakeHash>(provider.token(), protocol, suite, hash);
}

}  // namespace

HandshakeHash::HandshakeHash(std::shared_ptr<TokenContext> token, std::uint32_t protocol, const CipherSuite& suite,
                             HashAlg hash)
    : token_(std::move(token)), protocol_(protocol), suite_(&suite), hash_(hash) {}

void HandshakeHash::append(std::span<const std::uint8_t> bytes) {
  std::lock_guard lock(mutex_);
  if (bytes.size() > kMaxTranscript - transcript_.size()) {
    throw Error(Fault::invalid_parameter, "the handshake transcript would exceed " +
                                              std::to_string(kMaxTranscript) +
                                              " bytes; sslp11 refuses to buffer more");
  }
  transcript_.insert(transcript_.end(), bytes.begin(), bytes.end());
}

std::vector<std::uint8_t> HandshakeHash::digest(const p11::Lease& lease) const {
  CK_MECHANISM mech{hash_mechanism(hash_), nullptr, 0};
  std::vector<std::uint8_t> out(digest_bytes());
  // SoftHSMv2 rejects a NULL data pointer even for zero bytes, and an empty
  // vector's data() may be NULL.
  static constexpr std::uint8_t kNothing = 0;
  std::lock_guard lock(mutex_);
  if (!last_digest_.empty() && last_digest_length_ == transcript_.size()) return last_digest_;
  const std::span<const std::uint8_t> data =
      transcript_.empty() ? std::span<const std::uint8_t>(&kNothing, 0) : std::span<const std::uint8_t>(transcript_);
  lease.api().C_DigestInit(lease.handle(), mech);
  const std::size_t n = lease.api().C_Digest(lease.handle(), data, out);
  if (n != out.size()) {
    throw Error(Fault::internal, p11::mechanism_name(mech.mechanism) + " returned " +
                                     std::to_string(n) + " bytes instead of " +
                                     std::to_string(out.size()));
  }
  last_digest_ = out;
  last_digest_length_ = transcript_.size();
  return out;
}

std::vector<std::uint8_t> HandshakeHash::digest() const {
  return token_->pool()->run([this](p11::Lease& lease) { return digest(lease); });
}

std::shared_ptr<HandshakeHash> HandshakeHash::duplicate() const {
  auto copy = std::make_shared<HandshakeHash>(token_, protocol_, *suite_, hash_);
  std::lock_guard lock(mutex_);
  copy->transcript_ = transcript_;
  copy->last_digest_ = last_digest_;
  copy->last_digest_length_ = last_digest_length_;
  return copy;
}

std::shared_ptr<HandshakeHash> create_handshake_hash(const Provider& provider, std::uint32_t protocol,
                                                     const CipherSuite& suite) {
  // TLS 1.2 (RFC 5246 §7.4.9): the transcript hash is the PRF hash.
  return create(provider, protocol, suite, suite.prf);
}

std::shared_ptr<HandshakeHash> create_client_auth_hash(const Provider& provider, std::uint32_t protocol,
                                                       const CipherSuite& suite, HashAlg hash) {
  return create(provider, protocol, suite, hash);
}

}  // namespace sslp11::core
