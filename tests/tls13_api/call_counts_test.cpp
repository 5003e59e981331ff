// The token calls one TLS 1.3 1-RTT key schedule costs through the Ssl* API
// (early, handshake and master secrets, both handshake and both application
// traffic secrets, four write keys, both Finished), per call, on both paths.
// The floor is the core's (tests/tls13/call_counts_test.cpp, derived call by
// call there); the API adds only what its prototypes make it do on the
// token: the ECDHE itself inside SslExtractHandshakeKey (one C_DeriveKey of
// CKM_ECDH1_DERIVE, and C_DestroyObject of that (EC)DHE secret once the
// handshake secret is made: the core's floor test makes it once, outside) and, for each call that takes a transcript hash handle,
// the digest of the transcript (C_DigestInit + C_Digest: the handle buffers
// the messages, core/handshake_hash.h) -- once per transcript: a handle
// digested already and not added to since answers the same digest again
// without the token. Here the transcript stays as it is after the handshake
// traffic keys, so only that first call digests. (bench/tls13_call_count_test.cpp
// runs a schedule whose transcript grows as a real handshake's does.)
#include <sslp11/sslp11.h>

#include <functional>
#include <iostream>

#include "tls13_api/tls13_api_support.h"

namespace sslp11::tls13api {
namespace {

std::uint64_t calls() {
  ULONGLONG n = 0;
  EXPECT_OK(Sslp11CountPkcs11Calls(&n, 0));
  return n;
}

struct Step {
  const char* name;
  std::uint64_t native, composed;  // core floor + the API's own token work
};

// floor (tests/tls13/call_counts_test.cpp) + ECDHE (2) / transcript digest (2, first use only).
constexpr Step kSteps[] = {
    {"SslExtractEarlyKey", 1, 3},
    {"SslExtractHandshakeKey", 3 + 2, 8 + 2},
    {"SslExpandTrafficKeys (handshake)", 1 + 1 + 2, 3 + 3 + 2},
    {"SslExpandWriteKey (client handshake)", 4, 5},
    {"SslExpandWriteKey (server handshake)", 4, 5},
    {"SslComputeFinishedHash (server)", 4, 6},
    {"SslComputeFinishedHash (client)", 4, 6},
    {"SslExtractMasterKey", 3, 7},
    {"SslExpandTrafficKeys (application)", 1 + 1, 3 + 3},
    {"SslExpandWriteKey (client application)", 4, 5},
    {"SslExpandWriteKey (server application)", 4, 5},
};

class Tls13ApiCallCounts : public ::testing::TestWithParam<TokenSpec> {
 protected:
  ProviderHandle provider_{GetParam()};
  NCRYPT_PROV_HANDLE p() const { return provider_.get(); }
};

TEST_P(Tls13ApiCallCounts, OneRttScheduleCostsTheFloorPlusTheApisOwnWork) {
  const auto& suite = *oracle::find_tls13_suite_facts(0x1301);
  const auto& curve = oracle::p256();
  const bool native = TestTokens::is_native(GetParam());
  for (int round = 0; round < 2; ++round) {  // the first warms the per-token zeros object
    const KeyShare ours = make_key_share(p(), suite, curve);
    const auto peer = oracle::ec_generate(curve);
    const Handle peer_public = import_point(p(), curve, oracle::ec_public_point(peer.get()));
    Transcript th = make_transcript(p(), suite);
    th.add(p(), oracle::random_bytes(200));
    Handle early, hs, c_hs, s_hs, c_hs_key, s_hs_key, master, c_ap, s_ap, c_ap_key, s_ap_key;
    Bytes vd(32);
    const std::function<void()> steps[] = {
        [&] { EXPECT_OK(SslExtractEarlyKey(p(), 0, early.out(), TLS1_3_PROTOCOL_VERSION, suite.id, nullptr, 0)); },
        [&] { EXPECT_OK(SslExtractHandshakeKey(p(), ours.key.get(), peer_public.get(), early.get(), hs.out(), nullptr, 0)); },
        [&] { EXPECT_OK(SslExpandTrafficKeys(p(), hs.get(), th.hash.get(), c_hs.out(), s_hs.out(), nullptr, 0)); },
        [&] { EXPECT_OK(SslExpandWriteKey(p(), c_hs.get(), c_hs_key.out(), nullptr, 0)); },
        [&] { EXPECT_OK(SslExpandWriteKey(p(), s_hs.get(), s_hs_key.out(), nullptr, 0)); },
        [&] { EXPECT_OK(SslComputeFinishedHash(p(), s_hs.get(), th.hash.get(), vd.data(), 32, 0)); },
        [&] { EXPECT_OK(SslComputeFinishedHash(p(), c_hs.get(), th.hash.get(), vd.data(), 32, 0)); },
        [&] { EXPECT_OK(SslExtractMasterKey(p(), hs.get(), master.out(), nullptr, 0)); },
        [&] { EXPECT_OK(SslExpandTrafficKeys(p(), master.get(), th.hash.get(), c_ap.out(), s_ap.out(), nullptr, 0)); },
        [&] { EXPECT_OK(SslExpandWriteKey(p(), c_ap.get(), c_ap_key.out(), nullptr, 0)); },
        [&] { EXPECT_OK(SslExpandWriteKey(p(), s_ap.get(), s_ap_key.out(), nullptr, 0)); },
    };
    static_assert(std::size(steps) == std::size(kSteps));
    std::uint64_t total = 0, want_total = 0;
    for (std::size_t i = 0; i < std::size(kSteps); ++i) {
      const std::uint64_t before = calls();
      steps[i]();
      const std::uint64_t n = calls() - before;
      if (round == 0) continue;
      const std::uint64_t want = native ? kSteps[i].native : kSteps[i].composed;
      EXPECT_EQ(n, want) << kSteps[i].name << " on " << GetParam().name;
      std::cout << "[tls13-api-calls] token=" << GetParam().name << " " << kSteps[i].name << ": " << n << std::endl;
      total += n;
      want_total += want;
    }
    if (round == 1) {
      EXPECT_EQ(total, want_total);
      std::cout << "[tls13-api-calls] token=" << GetParam().name << " 1-RTT schedule total: " << total
                << " PKCS#11 calls" << std::endl;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Tokens, Tls13ApiCallCounts, ::testing::ValuesIn(TestTokens::all()), TokenName{});

}  // namespace
}  // namespace sslp11::tls13api
