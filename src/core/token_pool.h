// Several tokens used as one (a [pool.NAME] of the config): where a new key
// schedule goes, which members are healthy, and bringing a lost one back.
//
// Why keys are pinned: a per-connection key is a session object on one HSM
// only (CloudHSM does not sync session keys, Luna does not load-balance
// multi-part operations, a token that goes away takes its session objects
// with it). So a key schedule is placed on one member and every key derived
// from it stays there (Key::token()); a member that fails is marked down, its
// keys answer bad_key_state at once without touching it, and new work goes
// to the others until a background probe finds it answering again.
//
// A single token is a pool of one: place() returns it without a lock, it is
// never marked down (the session pool's own recovery is all there is), and no
// probe thread runs.
//
// The call timeout (PoolSettings::call_timeout): PKCS#11 cannot cancel a call,
// and a call writes into its caller's memory, so a call inside a module that
// hangs cannot be abandoned. What the pool can do is stop waiting for that
// member: every call on a member notes its start in a slot of the member
// (Watched: one atomic store, no thread hop), a watchdog thread that never
// calls a token itself marks the member down when a slot is older than the
// timeout, and from then its keys answer bad_key_state at once and new work
// goes elsewhere. The stuck call returns when the module does; its result is
// then thrown away (a placing call runs again on another member). A down
// member with a call still stuck in it is not probed, so the prober does not
// hang on it too, and rejoins only once that call is back and a probe passes.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstddef>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "core/token_context.h"
#include "pkcs11/error.h"

namespace sslp11::core {

enum class PlacementPolicy { least_outstanding, round_robin, weighted };

// Whether a placement takes the policy's turn (round-robin, weighted). A new
// key schedule does. What only travels with one (a handshake hash, made just
// before its schedule's first key) keeps the turn: it goes where the next
// schedule will, so the policy counts schedules, not the calls that make them.
enum class Turn { take, keep };

struct PoolSettings {
  std::string name;  // [pool.NAME]
  PlacementPolicy policy = PlacementPolicy::least_outstanding;
  std::vector<unsigned> weights;   // parallel to the members (weighted only)
  std::size_t member_sessions = 0; // cap on a member's outstanding operations; 0: its pool-size
  std::chrono::milliseconds probe_interval{1000};
  // A call on a member running longer than this marks the member down (the
  // watchdog, below); 0: no time limit.
  std::chrono::milliseconds call_timeout{0};
};

// What `sslp11-admin pool status` will show about one member.
struct MemberStatus {
  std::string name;   // [token.NAME]
  bool up = true;
  std::string last_error;  // why it was marked down (empty while it never was)
  std::chrono::system_clock::time_point down_since{};
  std::size_t outstanding = 0;
};

class TokenPool {
 public:
  // A pool of one: the simple, unchanged single-token case.
  static std::shared_ptr<TokenPool> single(std::shared_ptr<TokenContext> token);
  // Members already open; starts the probe thread when there are several.
  static std::shared_ptr<TokenPool> open(PoolSettings settings, std::vector<std::shared_ptr<TokenContext>> members);
  TokenPool(const TokenPool&) = delete;
  TokenPool& operator=(const TokenPool&) = delete;
  ~TokenPool();  // stops and joins the probe thread

  const std::string& name() const noexcept { return settings_.name; }
  bool single_member() const noexcept { return members_.size() == 1; }
  const std::vector<std::shared_ptr<TokenContext>>& members() const noexcept { return members_; }
  // Several members, each holding the pool key when the pool opened: its
  // masters and TLS 1.3 resumption PSKs are made extractable so that their
  // opaque blobs carry them wrapped and import on any member
  // (core/pool_blobs.h, core/tls13_pool_blobs.h).
  bool masters_wrappable() const noexcept { return masters_wrappable_; }

  // The member a new key schedule goes to, by policy, among the healthy ones.
  // Throws p11::LayerError(token_unreachable) naming every member's error when
  // all are down.
  const std::shared_ptr<TokenContext>& place(Turn turn = Turn::take);

  // One operation on `member`, counted as outstanding while it runs. A
  // failure that means the member is gone (after the session pool's own
  // recovery) marks it down, then propagates.
  // With a call timeout, the call is watched, and its result is thrown away
  // (bad_key_state) when its member was marked down while it ran: what it
  // made may be gone with the member, and its caller was told so already.
  template <class Op>
  decltype(auto) run_on(const std::shared_ptr<TokenContext>& member, Op&& op) {
    if (single_member()) return op(member);
    const Outstanding counted(*member);
    if (!watching()) return run_counted(member, op);
    const Watched watched(*this, *member);
    const std::uint64_t losses = member->losses();
    if constexpr (std::is_void_v<decltype(run_counted(member, op))>) {
      run_counted(member, op);
      if (member->losses() != losses) throw_lost_meanwhile(*member);
    } else {
      decltype(auto) result = run_counted(member, op);
      if (member->losses() != losses) throw_lost_meanwhile(*member);
      return result;
    }
  }

  // A placing operation (one that starts a key schedule): placed by policy;
  // when its member turns out to be gone the operation made nothing that
  // survives (its objects went with the member, or their RAII owners
  // destroyed them), so it runs again on the next healthy member, once per
  // member.
  template <class Op>
  decltype(auto) run_placed(Op&& op, Turn turn = Turn::take) {
    if (single_member()) return op(members_.front());
    for (std::size_t attempt = 1;; ++attempt) {
      const std::shared_ptr<TokenContext> member = place(turn);
      try {
        return run_on(member, op);
      } catch (...) {
        if (!member->down() || attempt >= members_.size()) throw;
      }
    }
  }

  // The catalogue: the suites every member offers, so that a suite the
  // caller picked from it runs wherever its schedule is placed. A lone
  // token's are its own.
  const std::vector<const CipherSuite*>& suites() const noexcept;
  const std::vector<const Tls13Suite*>& tls13_suites() const noexcept;
  const CipherSuite* offered_suite(std::uint32_t id) const;
  const Tls13Suite* offered_tls13_suite(std::uint32_t id) const;
  // Why a suite id is not offered (TokenContext::why_not_offered, naming the
  // member that lacks it).
  std::string why_not_offered(std::uint32_t id) const;

  // Health, for the tests and for `pool status`.
  std::vector<MemberStatus> status() const;
  void mark_down(TokenContext& member, const std::string& why);
  // A call on `member` failed in a way the caller could not classify (the C
  // boundary sees only that its call unwinds): the probe thread checks the
  // member at once instead of at its next interval, and marks it down if it
  // does not answer. Never blocks the caller.
  void suspect(TokenContext& member) noexcept;
  // What the probe thread does each interval, run now: every down member
  // that answers takes new work again; every suspected member that does not
  // is marked down.
  void probe_members();

  // Whether calls are watched (a call timeout is set and there are several
  // members).
  bool watching() const noexcept { return watch_slots_ != nullptr; }

  // One call on a member with its start time noted, while the pool watches
  // (else it notes nothing): what the watchdog compares with the timeout.
  // For calls that do not go through run_on (those bound to an existing key).
  class Watched {
   public:
    Watched(TokenPool& pool, TokenContext& member) noexcept;
    Watched(const Watched&) = delete;
    Watched& operator=(const Watched&) = delete;
    ~Watched();

   private:
    std::atomic<std::int64_t>* slot_ = nullptr;  // nullptr: not watched
  };

  // One counted operation on a member (what least-outstanding compares).
  class Outstanding {
   public:
    explicit Outstanding(TokenContext& member) noexcept : member_(member) {
      member_.outstanding_.fetch_add(1, std::memory_order_relaxed);
    }
    Outstanding(const Outstanding&) = delete;
    Outstanding& operator=(const Outstanding&) = delete;
    ~Outstanding() { member_.outstanding_.fetch_sub(1, std::memory_order_relaxed); }

   private:
    TokenContext& member_;
  };

  struct Private {};
  TokenPool(Private, PoolSettings settings, std::vector<std::shared_ptr<TokenContext>> members);

 private:
  struct Health {
    std::string last_error;
    std::chrono::system_clock::time_point down_since{};
  };
  // CKR_DEVICE_ERROR only counts for socket modules: NSS softoken answers it
  // for bad data, and a peer's bad data must not take a member out.
  static bool member_lost(const TokenContext& member, CK_RV rv) noexcept;
  // The probe of one member: slot and token present, a session opens, the
  // login holds. Empty when it answers, else what failed. `rejoining`: close
  // its sessions first (they may hold objects of before the loss).
  static std::string probe_failure(TokenContext& member, bool rejoining);
  std::size_t cap(const TokenContext& member) const noexcept;
  void probe_loop(std::stop_token stop);

  template <class Op>
  decltype(auto) run_counted(const std::shared_ptr<TokenContext>& member, Op& op) {
    try {
      return op(member);
    } catch (const p11::Error& e) {
      if (member_lost(*member, e.rv())) mark_down(*member, e.what());
      throw;
    } catch (const p11::LayerError& e) {
      if (e.fault() == p11::Fault::token_unreachable) mark_down(*member, e.what());
      throw;
    }
  }
  [[noreturn]] static void throw_lost_meanwhile(const TokenContext& member);

  // The watchdog's slots: kWatchSlots per member, each the steady-clock start
  // (ns since its epoch) of a call in flight, or 0 when free. More calls in
  // flight at once than slots: the extra ones are not watched (a member with
  // that many calls running is not hung).
  static constexpr std::size_t kWatchSlots = 256;
  std::size_t index_of(const TokenContext& member) const noexcept;
  // The age of the oldest call in flight on member i (zero when none).
  std::chrono::nanoseconds oldest_call(std::size_t i) const noexcept;
  bool stuck(std::size_t i) const noexcept { return oldest_call(i) >= settings_.call_timeout; }
  void watch_loop(std::stop_token stop);

  const PoolSettings settings_;
  const std::vector<std::shared_ptr<TokenContext>> members_;
  bool masters_wrappable_ = false;  // set by open() before the pool is shared
  std::vector<const CipherSuite*> suites_;        // several members: the ones all offer
  std::vector<const Tls13Suite*> tls13_suites_;
  std::atomic<std::size_t> next_{0};  // round-robin and weighted: the schedule count
  std::vector<std::size_t> weighted_slots_;  // weighted: member index for each slot of one round
  mutable std::mutex health_mutex_;  // guards health_; never held across a token call
  std::vector<Health> health_;       // parallel to members_
  std::unique_ptr<std::atomic<bool>[]> suspects_;  // parallel to members_: probe soon
  std::mutex probe_mutex_;
  std::condition_variable_any probe_wake_;
  // members_.size() * kWatchSlots when watching, else null; set before any thread starts.
  std::unique_ptr<std::atomic<std::int64_t>[]> watch_slots_;
  std::mutex watch_mutex_;  // the watchdog's sleep only
  std::condition_variable_any watch_wake_;
  std::jthread watchdog_;  // never calls a token, so never hangs
  std::jthread prober_;  // last member: stopped and joined first
};

}  // namespace sslp11::core
