// Everything sslp11 knows about one configured token: the module, the slot, a
// session pool, the capabilities probed once at open, the derivation path and
// the suites that can honestly be offered. Shared by provider instances that
// name the same token, and by every key made on it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/cipher_suites.h"
#include "core/tls13_suites.h"
#include "pkcs11/capabilities.h"
#include "pkcs11/session_pool.h"
#include "pkcs11/token.h"

namespace sslp11::core {

class KeySchedule;
class OpaqueBlobRegistry;
class TokenPool;

struct TokenSettings {
  std::string name;  // [token.NAME] in the config
  std::string module;
  std::string init_args;
  p11::TokenSelector selector;
  p11::Pin pin;
  std::size_t pool_size = 8;
  DerivationPolicy policy = DerivationPolicy::allow_composed;
  std::vector<std::string> cipher_suites;  // IANA names, TLS 1.2 and 1.3; empty = every suite the token can do
  bool offer_tls12 = true;                 // the config's `protocols`
  bool offer_tls13 = true;
};

class TokenContext {
 public:
  struct Private {};
  // Loads the module, selects the token, probes it and builds the pool.
  // Throws p11::Error / p11::LayerError / core::Error with an operator-readable message.
  static std::shared_ptr<TokenContext> open(TokenSettings settings);
  TokenContext(Private, TokenSettings settings);
  ~TokenContext();

  const std::string& name() const noexcept { return name_; }
  const p11::SlotDescription& slot() const noexcept { return slot_; }
  const std::shared_ptr<p11::SessionPool>& pool() const noexcept { return pool_; }
  const p11::Capabilities& capabilities() const noexcept { return caps_; }
  // The path this token derives keys on (native or composed); never unusable
  // for an open context.
  p11::DerivationPath path() const noexcept { return path_; }
  DerivationPolicy policy() const noexcept { return policy_; }
  const KeySchedule& schedule() const noexcept { return *schedule_; }
  // Suites offered: supported by the token, allowed by policy and config
  // (its protocols and cipher-suites). TLS 1.2 and TLS 1.3 apart, as the
  // catalogue keeps them (core/tls13_suites.h says why).
  const std::vector<const CipherSuite*>& suites() const noexcept { return suites_; }
  const std::vector<const Tls13Suite*>& tls13_suites() const noexcept { return tls13_suites_; }
  const CipherSuite* offered_suite(std::uint32_t id) const;
  const Tls13Suite* offered_tls13_suite(std::uint32_t id) const;
  // The reason a suite id (TLS 1.2 or 1.3) is not offered ("unknown suite",
  // "token lacks ...", "not enabled in the configuration").
  std::string why_not_offered(std::uint32_t id) const;
  // The opaque-blob registry of this token (core/opaque_blobs.h), made when
  // none is alive. Provider instances own it; this keeps a weak reference,
  // so the keys it holds never keep their TokenContext alive.
  std::shared_ptr<OpaqueBlobRegistry> opaque_blobs();

  // As a pool member (core/token_pool.h): marked down after it failed, until
  // a probe finds it answering; a lone token is never marked down.
  bool down() const noexcept { return down_.load(std::memory_order_acquire); }
  // How many times it was marked down. A key remembers the count it was made
  // at: a different one means its objects went with the member, even after
  // a rejoin (Key::member_lost). One atomic load per use of a key.
  std::uint64_t losses() const noexcept { return losses_.load(std::memory_order_acquire); }
  // Operations running on it, counted by its pool (least-outstanding).
  std::size_t outstanding() const noexcept { return outstanding_.load(std::memory_order_relaxed); }

 private:
  friend class TokenPool;  // the only writer of down_ and outstanding_
  std::atomic<bool> down_{false};
  std::atomic<std::uint64_t> losses_{0};
  std::atomic<std::size_t> outstanding_{0};
  std::string name_;
  std::shared_ptr<p11::Module> module_;
  p11::SlotDescription slot_;
  std::shared_ptr<p11::SessionPool> pool_;
  p11::Capabilities caps_;
  p11::DerivationPath path_;
  DerivationPolicy policy_;
  std::unique_ptr<KeySchedule> schedule_;
  std::vector<const CipherSuite*> suites_;
  std::vector<const Tls13Suite*> tls13_suites_;
  bool offer_tls12_;
  bool offer_tls13_;
  std::mutex blobs_mutex_;
  std::weak_ptr<OpaqueBlobRegistry> blobs_;
};

}  // namespace sslp11::core
