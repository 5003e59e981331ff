// A pool member on another host: member "r" is a throwaway SoftHSM token
// served by `p11-kit server` and reached through p11-kit-client.so
// (faults::RemoteToken), next to the local SoftHSM member "l" (behind a rig
// instance, which counts the C_Sign calls that ran on it; every other
// signature ran on "r").
//
// p11-kit 0.24's RPC forwards RSA and ECDSA signatures but not the parameters
// of CKM_ECDH1_DERIVE or AES-GCM/CBC: "r" offers no cipher suite, so neither
// does the pool (the suites every member offers). What works through it is
// a server's long-lived key: SslOpenPrivateKey finds it on both members, and
// signatures spread over them. The server is then killed (the host went
// away): "r" is marked down as a lost remote connection, signatures go on, on
// "l"; the server comes back, the probe lets "r" rejoin, and a key opened
// again signs on it. Nothing is left behind on "l".
#include <gtest/gtest.h>

#include <sslp11/sslp11.h>
#include <sslp11/sslprovider.h>
#include <sslp11/winerror.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "faults/support/fault_kit.h"
#include "faults/support/rig_instance.h"
#include "pool/pool_support.h"
#include "support/oracle/certificates.h"
#include "support/oracle/keys.h"
#include "support/oracle/signatures.h"
#include "support/provider_env.h"

namespace sslp11::pool_test {
namespace {

using faults::Clock;
using faults::ms_since;
using faults::status_name;
using oracle::Bytes;

// The probe's period: short, so that a rejoin is seen quickly.
constexpr int kProbeMs = 200;
// What no single call may take, even on a loaded machine: the session pool's
// wait for in-flight calls before it re-initialises the module is 2 s.
constexpr double kLongestCallMs = 5000;

std::string unavailable() {
  if (access(faults::p11_kit_client_module().c_str(), R_OK) != 0) {
    return faults::p11_kit_client_module() + " is not installed";
  }
  if (std::system("command -v p11-kit >/dev/null 2>&1") != 0) return "p11-kit (p11-kit server) is not installed";
  return {};
}

struct MemberView {
  bool up = true;
  std::string last_error;
};

MemberView status_of(NCRYPT_PROV_HANDLE p, const std::string& name) {
  std::array<SSLP11_POOL_MEMBER_STATUS, 4> members{};
  DWORD n = 0;
  EXPECT_EQ(Sslp11GetPoolStatus(p, members.data(), static_cast<DWORD>(members.size()), &n, 0), 0)
      << test::last_error();
  for (DWORD i = 0; i < n; ++i) {
    if (name == members[i].szName) return {members[i].dwUp != 0, members[i].szLastError};
  }
  ADD_FAILURE() << "no pool member " << name;
  return {};
}

// A P-256 server key and its certificate: ECDSA, which p11-kit's RPC forwards.
struct ServerKey {
  oracle::Pkey key = oracle::ec_generate(oracle::p256());
  oracle::Certificate cert = oracle::make_certificate(key.get(), "pool remote member");
};

NCRYPT_KEY_HANDLE open_key(NCRYPT_PROV_HANDLE p, const ServerKey& k) {
  NCRYPT_KEY_HANDLE key = 0;
  EXPECT_EQ(open_private_key(p, k.cert.der, &key), 0) << test::last_error();
  return key;
}

struct Signed {
  SECURITY_STATUS status = 0;
  std::string why;
  double ms = 0;
};

// One signature, checked with OpenSSL when it succeeds.
Signed sign(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE key, const ServerKey& k, int i) {
  Bytes digest(32, static_cast<std::uint8_t>(i));
  digest[0] = static_cast<std::uint8_t>(i >> 8);
  Bytes signature(128);
  DWORD n = 0;
  const auto t0 = Clock::now();
  const SECURITY_STATUS s = SslSignHash(p, key, digest.data(), static_cast<DWORD>(digest.size()), signature.data(),
                                        static_cast<DWORD>(signature.size()), &n, 0);
  Signed out{s, s == 0 ? "" : test::last_error(), ms_since(t0)};
  if (s == 0) {
    signature.resize(n);
    EXPECT_TRUE(oracle::verify_ecdsa(k.key.get(), digest, signature)) << "signature " << i << " does not verify";
  }
  EXPECT_LT(out.ms, kLongestCallMs) << "signature " << i << ": " << status_name(s) << " " << out.why;
  return out;
}

// `n` signatures that must all succeed; how many ran on "l" (the rig's C_Sign count).
unsigned long signed_on_local(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE key, const ServerKey& k,
                              const faults::RigInstance& rig, int n, int first) {
  const unsigned long before = rig.calls("C_Sign");
  for (int i = 0; i < n; ++i) {
    const Signed s = sign(p, key, k, first + i);
    EXPECT_EQ(s.status, 0) << "signature " << first + i << ": " << status_name(s.status) << " " << s.why;
  }
  return rig.calls("C_Sign") - before;
}

// Polls until `done` or `limit_ms`; the time it took (ms), or -1.
template <class Done>
double wait_until(Done&& done, double limit_ms) {
  const auto t0 = Clock::now();
  while (ms_since(t0) < limit_ms) {
    if (done()) return ms_since(t0);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

class PoolRemoteMember : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = unavailable(); !why.empty()) GTEST_SKIP() << why;
  }
};

// No suite through p11-kit 0.24: the pool opens (its signing keys are
// usable) and offers none, and a key schedule is refused naming the member.
TEST_F(PoolRemoteMember, PoolOpensAndOffersNoSuiteWithTheMemberNamed) {
  const faults::RemoteToken remote("sslp11-pool-remote-s");
  const std::vector<Member> members{{"r", remote.client_spec()}, member_a()};
  PoolProvider p("remote-suites", members, "");
  ASSERT_EQ(p.open_status(), 0);
  EXPECT_EQ(offered_suites(p.get()).size(), 0u) << "a suite offered through p11-kit 0.24's RPC";
  NCRYPT_KEY_HANDLE e = 0;
  EXPECT_EQ(SslCreateEphemeralKey(p.get(), &e, TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                                  TLS_ECC_P256_CURVE_KEY_TYPE, 256, nullptr, 0, 0),
            NTE_NOT_SUPPORTED);
  const std::string why = test::last_error();
  EXPECT_NE(why.find("[token.r]"), std::string::npos) << why;
  std::printf("remote member, suite refused: %s\n", why.c_str());
}

TEST_F(PoolRemoteMember, SignsOnBothDownOnLostConnectionBackAfterRestart) {
  const faults::RigInstance rig("remote-local");
  const Member local{"l", rig.member(member_a().spec)};
  faults::RemoteToken remote("sslp11-pool-remote");
  const Member r{"r", remote.client_spec()};
  const std::vector<Member> members{r, local};
  const ServerKey k;
  const ImportedKeyId id_r = import_pem_key_on(r, k.key.get(), k.cert.der, "pool remote member key");
  const ImportedKeyId id_l = import_pem_key_on(local, k.key.get(), k.cert.der, "pool remote member key");
  const std::size_t local_objects = objects_on(local);
  {
    PoolProvider p("remote", members, "policy = round-robin\nprobe-interval = " + std::to_string(kProbeMs));
    ASSERT_EQ(p.open_status(), 0);
    NCRYPT_KEY_HANDLE key = open_key(p.get(), k);
    ASSERT_NE(key, 0u);

    // Found on both: signatures spread over them.
    constexpr int kSigns = 8;
    const unsigned long before_on_l = signed_on_local(p.get(), key, k, rig, kSigns, 0);
    EXPECT_GT(before_on_l, 0u) << "no signature ran on l";
    EXPECT_LT(before_on_l, static_cast<unsigned long>(kSigns)) << "no signature ran on r";

    // The host of "r" goes away. Signing goes on; the calls that ran on "r"
    // before it was marked down fail; once it is down none does.
    remote.kill();
    int failed = 0, attempts = 0;
    double longest = 0;
    std::string failure;
    const double detected_ms = wait_until(
        [&] {
          const Signed s = sign(p.get(), key, k, 100 + attempts++);
          longest = std::max(longest, s.ms);
          if (s.status != 0) {
            ++failed;
            if (failure.empty()) failure = status_name(s.status) + " " + s.why;
          }
          return !status_of(p.get(), "r").up;
        },
        20000);
    ASSERT_GE(detected_ms, 0) << "r not marked down 20 s after its server was killed";
    const MemberView down = status_of(p.get(), "r");
    EXPECT_FALSE(down.last_error.empty());
    EXPECT_NE(down.last_error.find("cannot be reached"), std::string::npos) << down.last_error;
    // Detection is the prober's: a failed call on "r" wakes it, and until it has
    // marked "r" down the next turns of "r" fail the same way (1 in each run so far).
    EXPECT_LE(failed, 5) << "signatures failed before r was marked down: " << failure;
    EXPECT_NE(failure.find("NTE_DEVICE_NOT_READY"), std::string::npos) << failure;
    const unsigned long while_down_on_l = signed_on_local(p.get(), key, k, rig, kSigns, 200);
    EXPECT_EQ(while_down_on_l, static_cast<unsigned long>(kSigns)) << "a signature ran on r while it was down";
    EXPECT_FALSE(status_of(p.get(), "r").up);

    // The server comes back on the same socket: the probe lets "r" rejoin.
    remote.start();
    const double rejoined_ms = wait_until([&] { return status_of(p.get(), "r").up; }, 10000);
    EXPECT_GE(rejoined_ms, 0) << "r not back 10 s after its server restarted";
    // A key opened before the loss: its handle on "r" belonged to the old
    // connection, so its first use after the rejoin finds the key on "r"
    // again, and it signs on both, as a key opened anew does.
    const unsigned long old_key_on_l = signed_on_local(p.get(), key, k, rig, 4, 300);
    EXPECT_LT(old_key_on_l, 4u) << "the key opened before the loss never signed on r again";
    SslFreeObject(key, 0);
    key = open_key(p.get(), k);
    const unsigned long after_on_l = signed_on_local(p.get(), key, k, rig, kSigns, 400);
    EXPECT_LT(after_on_l, static_cast<unsigned long>(kSigns)) << "no signature ran on r after it rejoined";
    SslFreeObject(key, 0);

    std::printf(
        "remote member: %d of %d signatures failed between kill -9 and r marked down (%.0f ms after the kill; "
        "longest call %.1f ms), first: %s\n  r's last error: %s\n  r back %.0f ms after the restart "
        "(probe-interval %d ms); on l: %lu/%d before, %lu/%d while down, %lu/4 (old key), %lu/%d after\n",
        failed, attempts, detected_ms, longest, failure.c_str(),
        down.last_error.c_str(), rejoined_ms, kProbeMs, before_on_l, kSigns, while_down_on_l, kSigns, old_key_on_l,
        after_on_l, kSigns);
  }
  EXPECT_EQ(objects_on(local), local_objects) << "objects left on l";
  delete_imported_key_on(r, id_r);
  delete_imported_key_on(local, id_l);
}

}  // namespace
}  // namespace sslp11::pool_test
