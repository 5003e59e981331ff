// What the pool figures of issue 17 share (sslp11_pool_balance,
// sslp11_pool_failover): three SoftHSM tokens, each behind its own instance of
// the test rig (tests/faults/fault_shim.cpp) wrapping its own copy of the
// SoftHSM library -- three independent HSMs that can be slowed or failed one
// by one -- made members of a [pool.farm] and opened with SslOpenProvider;
// the member a thread's key schedule went to, read from the rigs' per-thread
// call counters (not guessed from the policy); and one full TLS 1.2 server
// key schedule whose keys stay alive until it ends.
#pragma once

#include <sslp11/sslprovider.h>
#include <sslp11/sslprovider.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "faults/support/rig_instance.h"
#include "pool/pool_support.h"

namespace sslp11::bench {

// "1,4,16" -> {1, 4, 16} (the figures' list options).
std::vector<int> parse_int_list(const char* text);

// The value of `--flag=value` in `arg`, or nullptr when `arg` is another flag.
const char* flag_value(const char* arg, const char* flag);

class PoolRig {
 public:
  static constexpr int kMembers = 3;
  // Members "m1", "m2", "m3"; `pool_lines` go into the [pool.farm] section
  // (policy, weights, probe-interval, ...). One PoolRig per process.
  explicit PoolRig(const std::string& pool_lines);
  ~PoolRig();
  PoolRig(const PoolRig&) = delete;
  PoolRig& operator=(const PoolRig&) = delete;

  NCRYPT_PROV_HANDLE provider() const noexcept { return provider_; }
  const faults::RigInstance& rig(int member) const { return *rigs_[static_cast<std::size_t>(member)]; }
  const pool_test::Member& member(int i) const { return members_[static_cast<std::size_t>(i)]; }

  // The calling thread's call counts per member: take one before a placing
  // call, and which_grew() after it names the member the call went to.
  std::vector<unsigned long> thread_calls() const;
  // The member whose count grew since `before`; when a placing call failed on
  // `failing` and was retried elsewhere, both grew and the other one holds
  // the key. -1 when none grew or it stays ambiguous.
  int which_grew(const std::vector<unsigned long>& before, int failing = -1) const;
  // Objects each member's token holds (a raw C_FindObjects in a session of
  // the module instance the provider shares).
  std::vector<std::size_t> object_counts() const;

 private:
  std::vector<std::unique_ptr<faults::RigInstance>> rigs_;
  std::vector<pool_test::Member> members_;
  NCRYPT_PROV_HANDLE provider_ = 0;
};

using Clock = std::chrono::steady_clock;

// One full TLS 1.2 server key schedule (ECDHE P-256, AES-128-GCM): ephemeral
// key, the client's public key, master, session keys, both Finished, one
// record each way (the client's end is a second master made with the client
// flag from the same exchange, so its write key is the server's read key).
// Every key stays alive until the schedule's destructor frees them. run()
// throws FullSchedule::Failed at the first failing call.
class FullSchedule {
 public:
  struct Failed {
    const char* call;
    SECURITY_STATUS status;
  };
  FullSchedule(const PoolRig& pool, const std::vector<std::uint8_t>& client_public);
  // Runs every step; the member the schedule was placed on is known after
  // the first step (member()). `failing`: the member a fault is being
  // injected on, if any (which_grew's tie-break). Throws Failed.
  void run(int failing = -1);
  int member() const noexcept { return member_; }
  // The longest single Ssl* call of this schedule, in ms.
  double longest_call_ms() const noexcept { return longest_ms_; }

 private:
  void check(SECURITY_STATUS status, const char* call, Clock::time_point started);
  const PoolRig& pool_;
  const std::vector<std::uint8_t>& client_public_;
  int member_ = -1;
  double longest_ms_ = 0;
  SslHandle ephemeral_, peer_, server_master_, client_master_, server_read_, server_write_, client_read_,
      client_write_, hash_;
};

// A public key for the "client" side of FullSchedule, made once (a peer's
// public key is host memory only and binds to no member).
std::vector<std::uint8_t> client_public_blob(NCRYPT_PROV_HANDLE provider);

}  // namespace sslp11::bench
