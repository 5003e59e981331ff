// The token calls of one TLS 1.3 1-RTT key schedule (what a server or client
// runs: early, handshake and master secrets, both handshake and both
// application traffic secrets, their four write keys and both Finished), per
// step and in total, on both paths -- the floor a later benchmark holds the
// Ssl* API to. Counted with p11::calls_on_this_thread() (every p11::Api call
// counts once); the expected numbers are derived in the table below, call by
// call, so a change in the schedule's token calls fails here first.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <iostream>

#include "pkcs11/api.h"
#include "support/oracle/bytes.h"
#include "tls13/support/tls13_fixture.h"

namespace sslp11::tls13test {
namespace {

using namespace ::sslp11::oracle;

class Tls13CallCounts : public Tls13OnToken {
 protected:
  std::uint64_t count(const std::function<void()>& step) {
    const std::uint64_t before = p11::calls_on_this_thread();
    step();
    return p11::calls_on_this_thread() - before;
  }
};

struct Expected {
  const char* step;
  std::uint64_t native, composed;
};

// Per step, the token calls on each path:
//   native:   one C_DeriveKey(CKM_HKDF_DERIVE) per Extract and per Expand; an
//             IV is C_DeriveKey(CKM_HKDF_DATA) + C_GetAttributeValue +
//             C_DestroyObject; a Finished is C_DeriveKey + C_SignInit
//             + C_Sign + C_DestroyObject; a "derived" salt is destroyed after
//             its Extract (C_DestroyObject).
//   composed: one C_SignInit + C_Sign per HMAC; each secret or key then
//             C_CreateObject; reading the (EC)DHE secret is one C_GetAttributeValue.
// The zeros object (the "0" of the early and master secrets) is made once per
// token and hash (one C_CreateObject), before the first schedule: not counted.
constexpr Expected kSteps[] = {
    // native: derive | composed: sign(2) + create
    {"early secret", 1, 3},
    // native: derive derived + derive extract + destroy salt
    // composed: sign(2) + create (salt) + read Z + sign(2) + create + destroy salt
    {"handshake secret", 3, 8},
    // each: derive | sign(2) + create
    {"client handshake traffic secret", 1, 3},
    {"server handshake traffic secret", 1, 3},
    // each: derive key + derive IV + read + destroy | sign(2) + create + sign(2)
    {"client handshake write key", 4, 5},
    {"server handshake write key", 4, 5},
    // each: derive + sign init + sign + destroy | sign(2) + create + sign(2) + destroy
    {"server Finished", 4, 6},
    {"client Finished", 4, 6},
    // native: derive + derive + destroy | composed: sign(2) + create + sign(2) + create + destroy
    {"master secret", 3, 7},
    {"client application traffic secret", 1, 3},
    {"server application traffic secret", 1, 3},
    {"client application write key", 4, 5},
    {"server application write key", 4, 5},
};

TEST_P(Tls13CallCounts, OneRttScheduleMakesTheFloorsCalls) {
  core::Tls13Schedule& s = schedule();
  const core::Tls13Suite& suite = s.suite(core::kTls13Version, 0x1301);
  const Bytes th(32, 0x33);
  const p11::Object z = shared_secret(random_bytes(32));
  { core::Tls13Secret warm = s.early_secret(suite, nullptr); }  // makes the zeros object once
  s.master_secret(s.handshake_secret(s.early_secret(suite, nullptr), z, 32));

  for (int round = 0; round < 2; ++round) {
    std::optional<core::Tls13Secret> early, hs, c_hs, s_hs, master, c_ap, s_ap;
    Bytes verify(32);
    const std::function<void()> steps[] = {
        [&] { early = s.early_secret(suite, nullptr); },
        [&] { hs = s.handshake_secret(*early, z, 32); },
        [&] { c_hs = s.traffic_secret(*hs, core::Tls13Side::client, th); },
        [&] { s_hs = s.traffic_secret(*hs, core::Tls13Side::server, th); },
        [&] { (void)s.write_key(*c_hs); },
        [&] { (void)s.write_key(*s_hs); },
        [&] { s.finished(*s_hs, th, verify); },
        [&] { s.finished(*c_hs, th, verify); },
        [&] { master = s.master_secret(*hs); },
        [&] { c_ap = s.traffic_secret(*master, core::Tls13Side::client, th); },
        [&] { s_ap = s.traffic_secret(*master, core::Tls13Side::server, th); },
        [&] { (void)s.write_key(*c_ap); },
        [&] { (void)s.write_key(*s_ap); },
    };
    static_assert(std::size(kSteps) == 13);
    std::uint64_t total = 0, want_total = 0;
    for (std::size_t i = 0; i < std::size(kSteps); ++i) {
      // Objects made by earlier steps are destroyed when this round ends; a
      // write key made and dropped inside its step is destroyed inside it.
      std::uint64_t calls = count(steps[i]);
      const std::uint64_t want = s.path() == p11::DerivationPath::native ? kSteps[i].native : kSteps[i].composed;
      const bool dropped_write_key = std::string_view(kSteps[i].step).find("write key") != std::string_view::npos;
      if (dropped_write_key) calls -= 1;  // its C_DestroyObject at the end of the step
      EXPECT_EQ(calls, want) << kSteps[i].step << " on the " << p11::derivation_path_name(s.path()) << " path";
      if (round == 1) {
        std::cout << "[tls13-calls] token=" << spec().name << " path=" << p11::derivation_path_name(s.path()) << " "
                  << kSteps[i].step << ": " << calls << std::endl;
      }
      total += calls;
      want_total += want;
    }
    EXPECT_EQ(total, want_total);
    if (round == 1) {
      std::cout << "[tls13-calls] token=" << spec().name << " path=" << p11::derivation_path_name(s.path())
                << " 1-RTT schedule total: " << total << " PKCS#11 calls" << std::endl;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Tokens, Tls13CallCounts, ::testing::ValuesIn(test::TestTokens::all()), test::TokenName{});

}  // namespace
}  // namespace sslp11::tls13test
