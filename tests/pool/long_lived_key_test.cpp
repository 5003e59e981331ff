// A server's long-lived private key on a pool: found on every member that
// holds it (here "a", behind a rig instance wrapping its own copy of SoftHSM
// so that its recovery cannot touch "b"'s module, and "b"; "n" lacks it), each
// signature runs on a holder that is up, spread over them, and checked with
// OpenSSL; when "a" is lost the signatures go on, on "b".
#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <sslp11/sslp11.h>
#include <sslp11/sslprovider.h>
#include <sslp11/winerror.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "faults/support/rig_instance.h"
#include "pool/pool_support.h"
#include "support/oracle/certificates.h"
#include "support/oracle/keys.h"
#include "support/provider_env.h"
#include "support/suite_facts.h"

namespace sslp11::pool_test {
namespace {

constexpr DWORD kSuite = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
using Bytes = std::vector<std::uint8_t>;

// The server's P-256 key and a certificate for it (both by OpenSSL).
struct ServerKey {
  oracle::Pkey key = oracle::ec_generate(oracle::p256());
  oracle::Certificate cert = oracle::make_certificate(key.get(), "pool key");

  bool verifies(const Bytes& digest, const Bytes& signature) const {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key.get(), nullptr);
    const bool ok = EVP_PKEY_verify_init(ctx) == 1 &&
                    EVP_PKEY_verify(ctx, signature.data(), signature.size(), digest.data(), digest.size()) == 1;
    EVP_PKEY_CTX_free(ctx);
    return ok;
  }
};

SECURITY_STATUS sign(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE key, const ServerKey& k, int i) {
  Bytes digest(32, static_cast<std::uint8_t>(i + 1));
  Bytes signature(128);
  DWORD n = 0;
  const SECURITY_STATUS s = SslSignHash(p, key, digest.data(), static_cast<DWORD>(digest.size()), signature.data(),
                                        static_cast<DWORD>(signature.size()), &n, 0);
  if (s == 0) {
    signature.resize(n);
    EXPECT_TRUE(k.verifies(digest, signature)) << "signature " << i << " does not verify with OpenSSL";
  }
  return s;
}

TEST(PoolLongLivedKey, FoundOnEveryHolderSignsOnEachSurvivesALostOneAndUsesItAgainWhenBack) {
  const faults::RigInstance rig("long-lived-a");
  Member a = member_a();
  a.spec = rig.member(member_a().spec, /*own_module_copy=*/true);
  const std::vector<Member> members{a, member_b(), member_n()};
  const ServerKey k;
  const auto id_a = import_pem_key_on(a, k.key.get(), k.cert.der, "pool server key");
  const auto id_b = import_pem_key_on(member_b(), k.key.get(), k.cert.der, "pool server key");
  {
    PoolProvider p("long-lived", members, "policy = round-robin\nprobe-interval = 100");
    ASSERT_EQ(p.open_status(), 0);
    NCRYPT_KEY_HANDLE key = 0;
    ASSERT_EQ(open_private_key(p.get(), k.cert.der, &key), 0) << test::last_error();

    // Spread over "a" and "b" (C_Sign through the rig counts a's share).
    const unsigned long a_before = rig.calls("C_Sign");
    constexpr int kSigns = 8;
    for (int i = 0; i < kSigns; ++i) EXPECT_EQ(sign(p.get(), key, k, i), 0) << test::last_error();
    const unsigned long on_a = rig.calls("C_Sign") - a_before;
    EXPECT_GT(on_a, 0u);
    EXPECT_LT(on_a, static_cast<unsigned long>(kSigns)) << "every signature ran on a";

    // "a" goes away; a placing call marks it down (and is retried elsewhere).
    for (const char* f : {"C_GenerateKeyPair", "C_Sign", "C_SignInit", "C_GetSlotInfo", "C_GetTokenInfo",
                          "C_OpenSession", "C_GetSessionInfo", "C_FindObjectsInit"}) {
      rig.inject(f, CKR_DEVICE_REMOVED);
    }
    for (int i = 0; i < 3; ++i) {
      NCRYPT_KEY_HANDLE e = 0;
      EXPECT_EQ(SslCreateEphemeralKey(p.get(), &e, TLS1_2_PROTOCOL_VERSION, kSuite, TLS_ECC_P256_CURVE_KEY_TYPE, 256,
                                      nullptr, 0, 0),
                0)
          << test::last_error();
      SslFreeObject(e, 0);
    }
    const unsigned long a_down = rig.calls("C_Sign");
    for (int i = 0; i < 4; ++i) EXPECT_EQ(sign(p.get(), key, k, 100 + i), 0) << test::last_error();
    EXPECT_EQ(rig.calls("C_Sign"), a_down) << "a signed while down";

    // Opened while "a" is down: found on "b" alone for now.
    NCRYPT_KEY_HANDLE opened_while_down = 0;
    ASSERT_EQ(open_private_key(p.get(), k.cert.der, &opened_while_down), 0) << test::last_error();
    EXPECT_EQ(sign(p.get(), opened_while_down, k, 200), 0) << test::last_error();
    EXPECT_EQ(rig.calls("C_Sign"), a_down) << "a signed while down";

    // "a" comes back: both handles find the key there again (once) and sign
    // on it, without being opened anew.
    rig.clear();
    const auto t0 = std::chrono::steady_clock::now();
    bool back = false;
    while (!back && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10)) {
      NCRYPT_KEY_HANDLE e = 0;
      const unsigned long before = rig.calls("C_GenerateKeyPair");
      EXPECT_EQ(SslCreateEphemeralKey(p.get(), &e, TLS1_2_PROTOCOL_VERSION, kSuite, TLS_ECC_P256_CURVE_KEY_TYPE, 256,
                                      nullptr, 0, 0),
                0)
          << test::last_error();
      SslFreeObject(e, 0);
      back = rig.calls("C_GenerateKeyPair") > before;
      if (!back) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_TRUE(back) << "a took no work 10 s after it answered again";
    for (NCRYPT_KEY_HANDLE h : {key, opened_while_down}) {
      const unsigned long a_back = rig.calls("C_Sign");
      for (int i = 0; i < kSigns; ++i) EXPECT_EQ(sign(p.get(), h, k, 300 + i), 0) << test::last_error();
      const unsigned long again_on_a = rig.calls("C_Sign") - a_back;
      EXPECT_GT(again_on_a, 0u) << "a key handle never signed on a after it rejoined";
      EXPECT_LT(again_on_a, static_cast<unsigned long>(kSigns)) << "every signature ran on a";
    }
    SslFreeObject(opened_while_down, 0);
    SslFreeObject(key, 0);
  }
  delete_imported_key_on(a, id_a);
  delete_imported_key_on(member_b(), id_b);
}

TEST(PoolLongLivedKey, NoMemberHoldingItIsTodaysNotFound) {
  const std::vector<Member> members{member_a(), member_n()};
  PoolProvider p("no-holder", members, "");
  ASSERT_EQ(p.open_status(), 0);
  const ServerKey k;
  NCRYPT_KEY_HANDLE key = 0;
  EXPECT_EQ(open_private_key(p.get(), k.cert.der, &key), NTE_NOT_FOUND) << test::last_error();
}

}  // namespace
}  // namespace sslp11::pool_test
