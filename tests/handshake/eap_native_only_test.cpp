// SslComputeEapKeyBlock under `derivation = native-only`.
//
// EAP-FAST's session_key_seed (RFC 4851 §5.1) is the 40 bytes of the TLS key
// block after the suite's key material. No token mechanism returns part of a
// key block, so sslp11 composes the whole block -- record keys included -- in
// host memory. A configuration that says native-only forbids exactly that:
// the EAP-FAST selector must be NTE_NOT_SUPPORTED there, while EAP-TLS and
// TTLSv0 (ordinary PRF outputs under labels of their own) keep working, and
// EAP-FAST keeps working under the default policy.
//
// Only a token with the CKM_TLS12_* mechanisms opens under native-only (NSS
// softoken here; SoftHSMv2 is refused at SslOpenProvider), so the suite is
// instantiated on those tokens only. Oracle: OpenSSL's TLS1-PRF (handshake_kit).
#include <gtest/gtest.h>

#include <algorithm>

#include "handshake/support/handshake_kit.h"

namespace sslp11::hstest {
namespace {

class EapUnderNativeOnly : public ::testing::TestWithParam<TokenSpec> {
 protected:
  void SetUp() override { ASSERT_EQ(native_.open_status(), ERROR_SUCCESS) << test::last_error(); }

  // SslComputeEapKeyBlock into a `size`-byte buffer pre-filled with 0xA5;
  // on success `out` is cut to the bytes written.
  SECURITY_STATUS eap(NCRYPT_PROV_HANDLE provider, const Session& s, DWORD selector, Bytes& out, DWORD size) {
    Bytes randoms = s.randoms();
    out.assign(size, 0xA5);
    DWORD written = 0;
    const SECURITY_STATUS status =
        SslComputeEapKeyBlock(provider, s.master.get(), randoms.data(), 64, out.data(), size, &written, selector);
    if (status == ERROR_SUCCESS && written <= size) out.resize(written);
    return status;
  }

  // RFC 4851 §5.1: the 40 bytes after the suite's key material.
  static Bytes eap_fast_seed(const Session& s) {
    const Bytes block = tls12_prf(s.suite->prf, s.master_secret, "key expansion",
                                  concat(s.server_random, s.client_random), s.suite->key_block + 40);
    return Bytes(block.begin() + static_cast<std::ptrdiff_t>(s.suite->key_block), block.end());
  }

  // Whether `out` holds any 8 consecutive bytes of the session's key block
  // (record keys and the EAP-FAST seed after them).
  static bool holds_key_block_bytes(const Session& s, const Bytes& out) {
    const Bytes block = tls12_prf(s.suite->prf, s.master_secret, "key expansion",
                                  concat(s.server_random, s.client_random), s.suite->key_block + 40);
    for (std::size_t i = 0; i + 8 <= out.size(); ++i) {
      if (std::search(block.begin(), block.end(), out.begin() + i, out.begin() + i + 8) != block.end()) return true;
    }
    return false;
  }

  ProviderHandle native_{GetParam(), "derivation = native-only", "native-only"};
  ProviderHandle default_{GetParam()};
};

TEST_P(EapUnderNativeOnly, EapFastIsNotSupported) {
  for (const SuiteCase& suite : suite_cases()) {
    SCOPED_TRACE(suite.name);
    const Session s = make_session(native_.get(), suite);
    Bytes out;
    EXPECT_STATUS(NTE_NOT_SUPPORTED, eap(native_.get(), s, NCRYPT_SSL_EAP_FAST_ID, out, 40));
    EXPECT_FALSE(holds_key_block_bytes(s, out)) << "a refused call left key-block bytes in the buffer";
    // A larger buffer does not change the answer.
    EXPECT_STATUS(NTE_NOT_SUPPORTED, eap(native_.get(), s, NCRYPT_SSL_EAP_FAST_ID, out, 200));
    EXPECT_FALSE(holds_key_block_bytes(s, out));
  }
}

TEST_P(EapUnderNativeOnly, TheOtherSelectorsStillWork) {
  for (const SuiteCase* suite : {&sha256_case(), &sha384_case()}) {
    SCOPED_TRACE(suite->name);
    const Session s = make_session(native_.get(), *suite);
    Bytes out;
    ASSERT_OK(eap(native_.get(), s, NCRYPT_SSL_EAP_ID, out, 192));
    EXPECT_EQ(Bytes(out.begin(), out.begin() + 128),
              tls12_prf(suite->prf, s.master_secret, "client EAP encryption", s.randoms(), 128));
    EXPECT_EQ(Bytes(out.begin() + 128, out.end()), tls12_prf(suite->prf, {}, "client EAP encryption", s.randoms(), 64));
    ASSERT_OK(eap(native_.get(), s, NCRYPT_SSL_EAP_TTLSV0_ID, out, 128));
    EXPECT_EQ(out, tls12_prf(suite->prf, s.master_secret, "ttls keying material", s.randoms(), 128));
    ASSERT_OK(eap(native_.get(), s, NCRYPT_SSL_EAP_TTLSV0_CHLNG_ID, out, 17));
    EXPECT_EQ(out, tls12_prf(suite->prf, s.master_secret, "ttls challenge", s.randoms(), 17));
  }
}

TEST_P(EapUnderNativeOnly, EapFastStillWorksUnderTheDefaultPolicy) {
  for (const SuiteCase& suite : suite_cases()) {
    SCOPED_TRACE(suite.name);
    const Session s = make_session(default_.get(), suite);
    Bytes out;
    ASSERT_OK(eap(default_.get(), s, NCRYPT_SSL_EAP_FAST_ID, out, 40));
    EXPECT_EQ(out, eap_fast_seed(s));
  }
}

INSTANTIATE_TEST_SUITE_P(Tokens, EapUnderNativeOnly, ::testing::ValuesIn(TestTokens::where(TestTokens::is_native)),
                         TokenName{});

}  // namespace
}  // namespace sslp11::hstest
