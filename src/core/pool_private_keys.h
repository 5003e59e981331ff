// A long-lived private key of a pool (a server's key, opened by its
// certificate): the same key, found by the certificate's CKA_ID, on every
// healthy member that holds it, so that a stateless use (a signature) runs on
// any of them and a lost member leaves the others serving.
//
// keys.h stays as it is: a PooledPrivateKey *is* the PrivateKey of its first
// holder (what Sslp11DescribeKey and SslVerifySignature read), and carries the
// others beside it. Key has no virtual function, so of() recognises one by a
// registry of live instances instead of dynamic_cast.
#pragma once

#include <atomic>
#include <memory>
#include <span>
#include <vector>

#include "core/keys.h"

namespace sslp11::core {

class PooledPrivateKey : public PrivateKey {
 public:
  // `holders`: at least two, each on its own member, the first one's values copied into this.
  explicit PooledPrivateKey(std::vector<std::shared_ptr<PrivateKey>> holders);
  ~PooledPrivateKey();
  PooledPrivateKey(const PooledPrivateKey&) = delete;
  PooledPrivateKey& operator=(const PooledPrivateKey&) = delete;

  // `key` as a PooledPrivateKey when it is one, else nullptr.
  static const PooledPrivateKey* of(const PrivateKey& key) noexcept;

  // The holder the next use runs on: among those whose member is not lost,
  // the one with the fewest operations running, ties taken in turn (so
  // successive uses spread over the holders). nullptr when every holder's
  // member is lost.
  std::shared_ptr<PrivateKey> pick() const;
  const std::vector<std::shared_ptr<PrivateKey>>& holders() const noexcept { return holders_; }

 private:
  const std::vector<std::shared_ptr<PrivateKey>> holders_;
  mutable std::atomic<std::size_t> next_{0};
};

// SslOpenPrivateKey on a pool of several members: the key for the certificate
// (DER) on every member that is up. A member lacking it is logged at info and
// left out; one found down (or lost while asked) is skipped. Throws today's
// not_found error when no member has it, and p11::LayerError(token_unreachable)
// when every member is down. One holder: that plain PrivateKey.
std::shared_ptr<PrivateKey> open_private_key_on_pool(const Provider& provider, std::span<const std::uint8_t> der);

}  // namespace sslp11::core
