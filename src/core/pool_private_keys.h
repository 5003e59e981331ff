// A long-lived private key of a pool (a server's key, opened by its
// certificate): the same key, found by the certificate's CKA_ID, on every
// healthy member that holds it, so that a stateless use (a signature) runs on
// any of them and a lost member leaves the others serving. A member that was
// down when the key was opened, or lost since, is asked again for the key
// once it is back (once per rejoin), so a rejoined member signs again
// without the caller opening the key anew.
//
// keys.h stays as it is: a PooledPrivateKey *is* the PrivateKey of its first
// holder (what Sslp11DescribeKey and SslVerifySignature read), and carries the
// others beside it. Key has no virtual function, so of() recognises one by a
// registry of live instances instead of dynamic_cast.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "core/keys.h"

namespace sslp11::core {

class PooledPrivateKey : public PrivateKey {
 public:
  // A member the key may be on: `key` is its holder there, nullptr while the
  // member has not answered since it was down.
  struct Holder {
    std::shared_ptr<TokenContext> member;
    std::shared_ptr<PrivateKey> key;
  };
  // `holders`: at least two, each on its own member, the first one with a
  // key (its values are copied into this). `provider` and `certificate` find
  // the key again on a member that rejoins.
  PooledPrivateKey(std::vector<Holder> holders, const Provider& provider, std::span<const std::uint8_t> certificate);
  ~PooledPrivateKey();
  PooledPrivateKey(const PooledPrivateKey&) = delete;
  PooledPrivateKey& operator=(const PooledPrivateKey&) = delete;

  // `key` as a PooledPrivateKey when it is one, else nullptr.
  static const PooledPrivateKey* of(const PrivateKey& key) noexcept;

  // The holder the next use runs on: among those whose member is not lost,
  // the one with the fewest operations running, ties taken in turn (so
  // successive uses spread over the holders). nullptr when every holder's
  // member is lost. First finds the key again on members back since their
  // holder was lost (token calls on that member, once per rejoin).
  std::shared_ptr<PrivateKey> pick() const;

 private:
  struct Slot {
    Holder holder;
    std::uint64_t asked_at_losses;  // the member's losses() when it was last asked for the key
  };
  void find_again_on_rejoined() const;

  const Provider provider_;
  const std::vector<std::uint8_t> certificate_;
  mutable std::mutex mutex_;  // guards slots_' keys and asked_at_losses
  mutable std::vector<Slot> slots_;
  mutable std::mutex finding_;  // one thread asks rejoined members; the others use the holders there are
  mutable std::atomic<std::size_t> next_{0};
};

// SslOpenPrivateKey on a pool of several members: the key for the certificate
// (DER) on every member that is up. A member lacking it is logged at info and
// left out; one found down (or lost while asked) is asked again when it is
// back. Throws today's not_found error when no member has it, and
// p11::LayerError(token_unreachable) when every member is down. One possible
// holder: that plain PrivateKey.
std::shared_ptr<PrivateKey> open_private_key_on_pool(const Provider& provider, std::span<const std::uint8_t> der);

}  // namespace sslp11::core
