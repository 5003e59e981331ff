// Differential test of the ECDHE key schedule (src/core/key_exchange.cpp,
// composed_schedule.cpp / native_schedule.cpp, session_keys.cpp through the
// Ssl* ABI): for every ECDHE suite the provider offers on a token, with and
// without the extended master secret, in both roles, random handshakes are
// run through SslCreateEphemeralKey / SslImportKey / SslExportKey /
// SslGenerateMasterKey / SslGenerateSessionKeys, and the resulting token keys
// are compared with OpenSSL's TLS 1.2 key schedule over the same ECDH secret.
// The token keys are never read: they are recognised by what they compute.
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

// The curve of case i. Cases come in client/server pairs; of every ten pairs
// one runs on P-384 and one on P-521, the rest on the curve that fits the PRF:
// P-256, except SHA-384 suites on SoftHSM (its HMAC-SHA384 refuses keys under
// 48 bytes, see Sha384SuiteWithP256PreMaster) which use P-384.
const CurveFacts& curve_for(int i, const SuiteFacts& suite, bool softhsm) {
  switch ((i / 2) % 10) {
    case 3:
      return p384();
    case 7:
      return p521();
    default:
      break;
  }
  return suite.prf == Hash::sha384 && softhsm ? p384() : p256();
}

struct Handshake {
  SslObject ephemeral, peer_public, master, read, write;
  Bytes client_random, server_random;
  std::optional<Bytes> session_hash;
  Pkey peer;        // OpenSSL's side
  Bytes our_point;  // exported by sslp11
};

// Runs one handshake's key schedule through the API. Throws on any API failure.
void run_api(NCRYPT_PROV_HANDLE p, const SuiteFacts& suite, const CurveFacts& curve, bool ems, bool client,
             Handshake& h) {
  h.client_random = random_bytes(32);
  h.server_random = random_bytes(32);
  require_ok(SslCreateEphemeralKey(p, h.ephemeral.out(), TLS1_2_PROTOCOL_VERSION, suite.id, curve.group, curve.bits,
                                   nullptr, 0, 0),
             "SslCreateEphemeralKey");
  h.our_point = ecc_point_from_blob(curve, export_key(p, h.ephemeral.get(), BCRYPT_ECCPUBLIC_BLOB));

  h.peer = ec_generate(curve);
  Bytes blob = ecc_public_blob(curve, ec_public_point(h.peer.get()));
  require_ok(
      SslImportKey(p, h.peer_public.out(), BCRYPT_ECCPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), 0),
      "SslImportKey");

  ParamList master_params;
  if (ems) {
    h.session_hash = random_bytes(hash_bytes(suite.prf));
    master_params.add(NCRYPTBUFFER_SSL_SESSION_HASH, *h.session_hash);
  } else {
    master_params.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, h.client_random)
        .add(NCRYPTBUFFER_SSL_SERVER_RANDOM, h.server_random);
  }
  require_ok(SslGenerateMasterKey(p, h.ephemeral.get(), h.peer_public.get(), h.master.out(), TLS1_2_PROTOCOL_VERSION,
                                  suite.id, master_params.desc(), nullptr, 0, nullptr,
                                  client ? NCRYPT_SSL_CLIENT_FLAG : NCRYPT_SSL_SERVER_FLAG),
             "SslGenerateMasterKey");

  ParamList randoms;
  randoms.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, h.client_random).add(NCRYPTBUFFER_SSL_SERVER_RANDOM, h.server_random);
  require_ok(SslGenerateSessionKeys(p, h.master.get(), h.read.out(), h.write.out(), randoms.desc(), 0),
             "SslGenerateSessionKeys");
}

// One random handshake, checked end to end against OpenSSL.
::testing::AssertionResult run_case(NCRYPT_PROV_HANDLE p, const SuiteFacts& suite, const CurveFacts& curve, bool ems,
                                    bool client, const std::string& expected_path) {
  try {
    Handshake h;
    run_api(p, suite, curve, ems, client, h);

    const Bytes z = ecdh(h.peer.get(), ec_public_from_point(curve, h.our_point).get());
    if (z.size() != curve.coordinate_bytes) {
      return ::testing::AssertionFailure() << "OpenSSL's ECDH secret has " << z.size() << " bytes";
    }
    const Bytes master = master_secret(suite, z, h.client_random, h.server_random, h.session_hash);
    const ExpectedKeys want = expected_keys(suite, master, h.client_random, h.server_random);

    if (auto r = session_keys_match(h.read.get(), h.write.get(), suite, want, client); !r) return r;
    if (auto r = master_is_protected(h.master.get()); !r) return r;
    if (auto r = session_key_is_protected(h.read.get()); !r) return r << " (read key)";
    if (auto r = session_key_is_protected(h.write.get()); !r) return r << " (write key)";
    const std::string path = key_property_string(h.master.get(), SSLP11_DERIVATION_PATH_PROPERTY);
    if (path != expected_path) {
      return ::testing::AssertionFailure()
             << "master key reports derivation path '" << path << "', expected '" << expected_path << "'";
    }
    return ::testing::AssertionSuccess();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << e.what();
  }
}

class EcdheDifferential : public ::testing::TestWithParam<TokenSpec> {
 protected:
  void SetUp() override {
    provider_ = std::make_unique<ProviderHandle>(spec());
    ASSERT_EQ(provider_->open_status(), ERROR_SUCCESS);
  }
  void TearDown() override { provider_.reset(); }

  const TokenSpec& spec() const { return GetParam(); }
  NCRYPT_PROV_HANDLE p() const { return provider_->get(); }
  bool softhsm() const { return spec().name == "softhsm"; }

  // The ECDHE suites SslEnumCipherSuites offers on this token.
  std::vector<const SuiteFacts*> offered_ecdhe_suites() {
    std::vector<const SuiteFacts*> out;
    for (DWORD id : enumerate_suites(p())) {
      const SuiteFacts* s = find_suite_facts(id);
      if (s == nullptr) {
        ADD_FAILURE() << "the provider offers suite " << status_hex(static_cast<LONG>(id)) << ", unknown to this test";
        continue;
      }
      if (s->exchange == Exchange::ecdhe) out.push_back(s);
    }
    return out;
  }

  void run_matrix(bool ems) {
    const auto suites = offered_ecdhe_suites();
    ASSERT_FALSE(suites.empty()) << "no ECDHE suite offered on " << spec().name;
    for (const SuiteFacts* suite : suites) {
      SCOPED_TRACE(std::string(suite->name) + (ems ? " with EMS" : " without EMS"));
      int passed = 0, shown = 0, client = 0, server = 0;
      int per_curve[3] = {0, 0, 0};
      const auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < kCasesPerSuite; ++i) {
        const CurveFacts& curve = curve_for(i, *suite, softhsm());
        const bool is_client = i % 2 == 0;
        const auto r = run_case(p(), *suite, curve, ems, is_client, spec().expected_path);
        if (r) {
          ++passed;
          ++(is_client ? client : server);
          ++per_curve[curve.group - 23];
        } else if (shown++ < kFailuresShownPerSuite) {
          ADD_FAILURE() << "case " << i << " (" << curve.openssl_name << ", " << (is_client ? "client" : "server")
                        << "): " << r.message();
        }
      }
      const auto ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
      std::cout << "[ecdhe] token=" << spec().name << " suite=" << suite->name << " ems=" << (ems ? "on" : "off")
                << ": " << passed << "/" << kCasesPerSuite << " cases passed (P-256 " << per_curve[0] << ", P-384 "
                << per_curve[1] << ", P-521 " << per_curve[2] << "; client " << client << ", server " << server
                << ") in " << ms << " ms" << std::endl;
      EXPECT_EQ(passed, kCasesPerSuite) << suite->name << (ems ? " with EMS" : " without EMS");
    }
  }

  std::unique_ptr<ProviderHandle> provider_;
};

TEST_P(EcdheDifferential, ProviderReportsTheTokensDerivationPath) {
  EXPECT_EQ(provider_property_string(p(), SSLP11_DERIVATION_PATH_PROPERTY), spec().expected_path);
}

// ChaCha20-Poly1305 needs CKM_CHACHA20_POLY1305, which NSS softoken has and
// SoftHSMv2 2.6 lacks: the catalogue must be honest about it either way.
TEST_P(EcdheDifferential, OfferedSuitesAreKnownAndChaChaOnlyWhereTheTokenHasIt) {
  const auto suites = offered_ecdhe_suites();
  bool chacha = false;
  std::string names;
  for (const SuiteFacts* s : suites) {
    names += std::string(" ") + std::string(s->name);
    chacha = chacha || s->cipher == Cipher::chacha20_poly1305;
  }
  std::cout << "[ecdhe] token=" << spec().name << " offers " << suites.size() << " ECDHE suites:" << names << std::endl;
  EXPECT_EQ(chacha, !softhsm()) << names;
}

TEST_P(EcdheDifferential, AllOfferedSuitesWithoutEms) { run_matrix(false); }

TEST_P(EcdheDifferential, AllOfferedSuitesWithEms) { run_matrix(true); }

// A P-256 pre-master is 32 bytes. SoftHSMv2's HMAC-SHA384 refuses keys shorter
// than 48 bytes, so on the composed path a SHA-384 suite cannot use it: the
// provider must say NTE_NOT_SUPPORTED and explain why -- up front, when the
// ephemeral key for that suite and curve is asked for, not after a key pair
// was made. NSS derives natively and has no such limit: there the same
// handshake must simply work.
TEST_P(EcdheDifferential, Sha384SuiteWithP256PreMaster) {
  int tried = 0;
  for (const SuiteFacts* suite : offered_ecdhe_suites()) {
    if (suite->prf != Hash::sha384) continue;
    ++tried;
    SCOPED_TRACE(suite->name);
    for (bool ems : {false, true}) {
      if (!softhsm()) {
        EXPECT_TRUE(run_case(p(), *suite, p256(), ems, /*client=*/true, spec().expected_path));
        EXPECT_TRUE(run_case(p(), *suite, p256(), ems, /*client=*/false, spec().expected_path));
        continue;
      }
      Handshake h;
      try {
        run_api(p(), *suite, p256(), ems, true, h);
        ADD_FAILURE() << "SoftHSM derived a SHA-384 master secret from a 32-byte pre-master";
      } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("SslCreateEphemeralKey returned " + status_hex(NTE_NOT_SUPPORTED)), std::string::npos)
            << what;
        EXPECT_NE(what.find("SHA384_HMAC"), std::string::npos) << "the explanation should name the mechanism: " << what;
        EXPECT_NE(what.find("48"), std::string::npos) << "the explanation should name the minimum: " << what;
        EXPECT_EQ(h.master.get(), 0u) << "a refused call must not return a master key";
      }
    }
  }
  EXPECT_GT(tried, 0) << "no SHA-384 ECDHE suite offered";
}

INSTANTIATE_TEST_SUITE_P(Tokens, EcdheDifferential, ::testing::ValuesIn(TestTokens::all()), TokenName{});

}  // namespace
}  // namespace sslp11::coretest
