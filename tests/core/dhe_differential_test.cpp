// Differential test of the finite-field DHE key schedule through the Ssl* ABI,
// in the RFC 7919 ffdhe2048 group: the token's ephemeral key
// (SslCreateEphemeralKey with BCRYPT_DH_PARAMETERS), the peer's key from
// OpenSSL imported as BCRYPT_DH_PUBLIC_BLOB, master and session keys compared
// with OpenSSL's TLS 1.2 key schedule. TLS uses Z with its leading zero bytes
// stripped (RFC 5246 §8.1.2); LeadingZeroSecret makes sure that case is hit.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/support/key_checks.h"
#include "core/support/ssl_calls.h"
#include "support/oracle/keys.h"
#include "support/oracle/tls_prf.h"
#include "support/provider_env.h"
#include "support/test_tokens.h"

namespace sslp11::coretest {
namespace {

using test::ProviderHandle;
using test::TestTokens;
using test::TokenName;
using test::TokenSpec;

constexpr int kCasesPerSuite = 100;
constexpr int kFailuresShownPerSuite = 3;

// RFC 7919 Appendix A.1, ffdhe2048, g = 2.
const Bytes& ffdhe2048_p() {
  static const Bytes p = from_hex(
      "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695"
      "A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617A"
      "D3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935"
      "984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797A"
      "BC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4"
      "AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61"
      "9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005"
      "C58EF1837D1683B2C6F34A26C1B2EFFA886B423861285C97FFFFFFFFFFFFFFFF");
  return p;
}
const Bytes& ffdhe2048_g() {
  static const Bytes g{0x02};
  return g;
}

// Our ephemeral key on the token, and its public value.
struct Ephemeral {
  SslObject key;
  Bytes y;
};

Ephemeral create_ephemeral(NCRYPT_PROV_HANDLE p, const SuiteFacts& suite) {
  Ephemeral e;
  Bytes params = dh_parameters_blob(ffdhe2048_p(), ffdhe2048_g());
  require_ok(SslCreateEphemeralKey(p, e.key.out(), TLS1_2_PROTOCOL_VERSION, suite.id, 0, 2048, params.data(),
                                   static_cast<DWORD>(params.size()), 0),
             "SslCreateEphemeralKey");
  e.y = dh_y_from_blob(ffdhe2048_p(), ffdhe2048_g(), export_key(p, e.key.get(), BCRYPT_DH_PUBLIC_BLOB));
  return e;
}

// Master and session keys from our ephemeral key and the OpenSSL peer `peer`,
// checked against the oracle. `z` is g^xy mod p padded to the prime length.
::testing::AssertionResult derive_and_check(NCRYPT_PROV_HANDLE p, const SuiteFacts& suite, const Ephemeral& ours,
                                            EVP_PKEY* peer, const Bytes& z, bool ems, bool client,
                                            const std::string& expected_path) {
  const Bytes client_random = random_bytes(32), server_random = random_bytes(32);
  SslObject peer_public, master, read, write;
  Bytes blob = dh_public_blob(ffdhe2048_p(), ffdhe2048_g(), dh_public_value(peer, ffdhe2048_p().size()));
  require_ok(SslImportKey(p, peer_public.out(), BCRYPT_DH_PUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), 0),
             "SslImportKey");
  ParamList master_params;
  std::optional<Bytes> session_hash;
  if (ems) {
    session_hash = random_bytes(hash_bytes(suite.prf));
    master_params.add(NCRYPTBUFFER_SSL_SESSION_HASH, *session_hash);
  } else {
    master_params.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, client_random).add(NCRYPTBUFFER_SSL_SERVER_RANDOM, server_random);
  }
  require_ok(SslGenerateMasterKey(p, ours.key.get(), peer_public.get(), master.out(), TLS1_2_PROTOCOL_VERSION, suite.id,
                                  master_params.desc(), nullptr, 0, nullptr,
                                  client ? NCRYPT_SSL_CLIENT_FLAG : NCRYPT_SSL_SERVER_FLAG),
             "SslGenerateMasterKey");
  ParamList randoms;
  randoms.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, client_random).add(NCRYPTBUFFER_SSL_SERVER_RANDOM, server_random);
  require_ok(SslGenerateSessionKeys(p, master.get(), read.out(), write.out(), randoms.desc(), 0),
             "SslGenerateSessionKeys");

  // RFC 5246 §8.1.2: leading bytes of Z that contain all zero bits are stripped.
  const Bytes pms = strip_leading_zeros(z);
  const Bytes ms = master_secret(suite, pms, client_random, server_random, session_hash);
  const ExpectedKeys want = expected_keys(suite, ms, client_random, server_random);
  if (auto r = session_keys_match(read.get(), write.get(), suite, want, client); !r) {
    return r << " (Z has " << z.size() - pms.size() << " leading zero bytes)";
  }
  if (auto r = master_is_protected(master.get()); !r) return r;
  if (auto r = session_key_is_protected(read.get()); !r) return r << " (read key)";
  if (auto r = session_key_is_protected(write.get()); !r) return r << " (write key)";
  const std::string path = key_property_string(master.get(), SSLP11_DERIVATION_PATH_PROPERTY);
  if (path != expected_path) return ::testing::AssertionFailure() << "derivation path '" << path << "'";
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult run_case(NCRYPT_PROV_HANDLE p, const SuiteFacts& suite, bool ems, bool client,
                                    const std::string& expected_path, bool& leading_zero) {
  try {
    const Ephemeral ours = create_ephemeral(p, suite);
    Pkey peer = dh_generate(ffdhe2048_p(), ffdhe2048_g());
    const Bytes z = dh_padded(peer.get(), dh_public_from(ffdhe2048_p(), ffdhe2048_g(), ours.y).get());
    leading_zero = z[0] == 0;
    return derive_and_check(p, suite, ours, peer.get(), z, ems, client, expected_path);
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << e.what();
  }
}

class DheDifferential : public ::testing::TestWithParam<TokenSpec> {
 protected:
  void SetUp() override {
    provider_ = std::make_unique<ProviderHandle>(spec());
    ASSERT_EQ(provider_->open_status(), ERROR_SUCCESS);
  }
  void TearDown() override { provider_.reset(); }

  const TokenSpec& spec() const { return GetParam(); }
  NCRYPT_PROV_HANDLE p() const { return provider_->get(); }

  std::vector<const SuiteFacts*> offered_dhe_suites() {
    std::vector<const SuiteFacts*> out;
    for (DWORD id : enumerate_suites(p())) {
      const SuiteFacts* s = find_suite_facts(id);
      if (s != nullptr && s->exchange == Exchange::dhe) out.push_back(s);
    }
    return out;
  }

  std::unique_ptr<ProviderHandle> provider_;
};

// The hard-coded group is the one OpenSSL knows as ffdhe2048 (catches a typo).
TEST_P(DheDifferential, HardCodedGroupIsRfc7919Ffdhe2048) {
  EXPECT_EQ(hex(ffdhe2048_p()), hex(openssl_ffdhe2048_prime()));
}

TEST_P(DheDifferential, AllOfferedSuitesBothEmsModesBothRoles) {
  const auto suites = offered_dhe_suites();
  ASSERT_FALSE(suites.empty()) << "no DHE suite offered on " << spec().name;
  // Always the full count: a wall-clock budget would make the assertion
  // depend on machine load (it did, under ASan on two busy cores).
  for (const SuiteFacts* suite : suites) {
    for (bool ems : {false, true}) {
      SCOPED_TRACE(std::string(suite->name) + (ems ? " with EMS" : " without EMS"));
      const int cases = kCasesPerSuite;
      int passed = 0, shown = 0, leading_zero_cases = 0;
      const auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < cases; ++i) {
        bool leading_zero = false;
        const bool client = i % 2 == 0;
        const auto r = run_case(p(), *suite, ems, client, spec().expected_path, leading_zero);
        leading_zero_cases += leading_zero ? 1 : 0;
        if (r) {
          ++passed;
        } else if (shown++ < kFailuresShownPerSuite) {
          ADD_FAILURE() << "case " << i << " (" << (client ? "client" : "server") << "): " << r.message();
        }
      }
      const auto ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
      std::cout << "[dhe] token=" << spec().name << " suite=" << suite->name << " ems=" << (ems ? "on" : "off") << ": "
                << passed << "/" << cases << " cases passed (" << leading_zero_cases
                << " with a leading zero byte in Z) in " << ms << " ms" << std::endl;
      EXPECT_EQ(passed, cases);
    }
  }
}

// A Z whose first byte is zero (probability 1/256 per handshake) is the case
// where "pre-master = Z" and "pre-master = Z stripped" differ. Search for one
// (OpenSSL side only; bounded), then run it through every offered DHE suite,
// both EMS modes and both roles.
TEST_P(DheDifferential, LeadingZeroSecret) {
  const auto suites = offered_dhe_suites();
  ASSERT_FALSE(suites.empty());
  Ephemeral ours;
  ASSERT_NO_THROW(ours = create_ephemeral(p(), *suites.front()));
  const Pkey ours_in_openssl = dh_public_from(ffdhe2048_p(), ffdhe2048_g(), ours.y);
  constexpr int kMaxTries = 20000;  // P(no hit) = (255/256)^20000 ~ 1e-34
  Pkey peer;
  Bytes z;
  int tries = 0;
  for (; tries < kMaxTries; ++tries) {
    peer = dh_generate(ffdhe2048_p(), ffdhe2048_g());
    z = dh_padded(peer.get(), ours_in_openssl.get());
    if (z[0] == 0) break;
  }
  ASSERT_LT(tries, kMaxTries) << "no Z with a leading zero byte in " << kMaxTries << " tries";
  ASSERT_EQ(z.size(), ffdhe2048_p().size());
  std::cout << "[dhe] token=" << spec().name << ": Z with " << z.size() - strip_leading_zeros(z).size()
            << " leading zero byte(s) found after " << tries + 1 << " peer keys" << std::endl;

  int checked = 0;
  for (const SuiteFacts* suite : suites) {
    for (bool ems : {false, true}) {
      for (bool client : {true, false}) {
        SCOPED_TRACE(std::string(suite->name) + (ems ? " with EMS" : " without EMS") +
                     (client ? ", client" : ", server"));
        ::testing::AssertionResult r = ::testing::AssertionFailure();
        try {
          r = derive_and_check(p(), *suite, ours, peer.get(), z, ems, client, spec().expected_path);
        } catch (const std::exception& e) {
          r = ::testing::AssertionFailure() << e.what();
        }
        EXPECT_TRUE(r) << "the pre-master must be Z without its leading zero byte (RFC 5246 §8.1.2)";
        ++checked;
      }
    }
  }
  std::cout << "[dhe] token=" << spec().name << ": leading-zero Z checked in " << checked << " (suite, EMS, role) cells"
            << std::endl;
}

INSTANTIATE_TEST_SUITE_P(Tokens, DheDifferential, ::testing::ValuesIn(TestTokens::all()), TokenName{});

}  // namespace
}  // namespace sslp11::coretest
