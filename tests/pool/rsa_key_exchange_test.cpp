// RSA key exchange, server side, with a long-lived RSA key several pool
// members hold: the same key imported on "a" (behind a rig instance wrapping
// its own copy of SoftHSM, so that its loss cannot touch "b") and "b"; "n"
// (NSS, no key database) lacks it. Each SslImportMasterKey decrypts the
// client's pre-master and derives the master on one holder (the master's
// objects appear there and nowhere else), spread over the holders, and each
// master's server Finished and key block agree with OpenSSL's TLS 1.2 PRF
// over the pre-master the test encrypted. When "a" is lost, every decrypt
// runs on "b"; "n" is never chosen.
#include <gtest/gtest.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <sslp11/sslp11.h>
#include <sslp11/sslprovider.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "faults/support/rig_instance.h"
#include "pool/pool_support.h"
#include "support/oracle/bytes.h"
#include "support/oracle/certificates.h"
#include "support/oracle/digests.h"
#include "support/oracle/keys.h"
#include "support/oracle/records.h"
#include "support/oracle/tls_prf.h"
#include "support/provider_env.h"
#include "support/suite_facts.h"

namespace sslp11::pool_test {
namespace {

using oracle::Bytes;
constexpr DWORD kSuite = TLS_RSA_WITH_AES_128_GCM_SHA256;
constexpr DWORD kTls12 = TLS1_2_PROTOCOL_VERSION;

// The server's RSA key (OpenSSL's fixed test key) and a certificate for it.
struct ServerRsaKey {
  oracle::Pkey key = oracle::rsa_test_key();
  oracle::Certificate cert = oracle::make_certificate(key.get(), "pool rsa kx");
};

// One RSA-exchange server handshake's key work: the client's pre-master
// (known here) encrypted to the server key, SslImportMasterKey, then the
// server Finished and a record under the server write key, both checked
// with OpenSSL. The master handle is returned (freed by the caller) so that
// its objects can be found on their member.
class RsaExchange {
 public:
  RsaExchange(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE server_key, const ServerRsaKey& k)
      : p_(p), facts_(*oracle::find_suite_facts(kSuite)) {
    pms_ = oracle::concat(Bytes{0x03, 0x03}, oracle::random_bytes(46));
    const Bytes encrypted = oracle::rsa_encrypt_pkcs1(k.key.get(), pms_);
    DWORD version = kTls12;
    NCryptBuffer buffers[3] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, client_random_.data()},
                               {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, server_random_.data()},
                               {4, NCRYPTBUFFER_SSL_HIGHEST_VERSION, &version}};
    NCryptBufferDesc params{NCRYPTBUFFER_VERSION, 3, buffers};
    Bytes body = encrypted;
    status_ = SslImportMasterKey(p_, server_key, &master_, kTls12, kSuite, &params, body.data(),
                                 static_cast<DWORD>(body.size()), NCRYPT_SSL_SERVER_FLAG);
  }
  ~RsaExchange() {
    if (master_ != 0) SslFreeObject(master_, 0);
  }
  RsaExchange(const RsaExchange&) = delete;
  RsaExchange& operator=(const RsaExchange&) = delete;

  SECURITY_STATUS status() const { return status_; }

  // The server Finished and the server write key against OpenSSL.
  void check() const {
    const Bytes master = oracle::master_secret(facts_, pms_, client_random_, server_random_);
    const Bytes messages = oracle::random_bytes(200);  // the handshake so far
    NCRYPT_HASH_HANDLE hash = 0;
    ASSERT_EQ(SslCreateHandshakeHash(p_, &hash, kTls12, kSuite, 0), 0) << test::last_error();
    Bytes finished(12);
    EXPECT_EQ(SslHashHandshake(p_, hash, const_cast<BYTE*>(messages.data()), static_cast<DWORD>(messages.size()), 0),
              0)
        << test::last_error();
    EXPECT_EQ(SslComputeFinishedHash(p_, master_, hash, finished.data(), 12, NCRYPT_SSL_SERVER_FLAG), 0)
        << test::last_error();
    SslFreeObject(hash, 0);
    EXPECT_EQ(oracle::hex(finished),
              oracle::hex(oracle::tls12_prf(facts_.prf, master, "server finished",
                                            oracle::digest(facts_.prf, messages), 12)))
        << "the server Finished does not come from the pre-master";

    std::array<BYTE, 32> cr = client_random_, sr = server_random_;
    NCryptBuffer buffers[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, cr.data()},
                               {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, sr.data()}};
    NCryptBufferDesc params{NCRYPTBUFFER_VERSION, 2, buffers};
    NCRYPT_KEY_HANDLE read = 0, write = 0;
    ASSERT_EQ(SslGenerateSessionKeys(p_, master_, &read, &write, &params, 0), 0)
        << test::last_error();
    const Bytes plaintext = oracle::random_bytes(48);
    Bytes record(plaintext.size() + 64);
    DWORD cb = 0;
    EXPECT_EQ(SslEncryptPacket(p_, write, const_cast<BYTE*>(plaintext.data()), static_cast<DWORD>(plaintext.size()),
                               record.data(), static_cast<DWORD>(record.size()), &cb, 0, CT_APPLICATIONDATA, 0),
              0)
        << test::last_error();
    record.resize(cb);
    const auto keys = oracle::expected_keys(facts_, master, client_random_, server_random_);
    const auto opened = oracle::open(facts_, keys.server, 0, record);
    ASSERT_TRUE(opened.has_value()) << "OpenSSL rejects the server's record: the key block is not the PRF's";
    EXPECT_EQ(*opened, plaintext);
    SslFreeObject(read, 0);
    SslFreeObject(write, 0);
  }

 private:
  static std::array<BYTE, 32> random32() {
    const Bytes r = oracle::random_bytes(32);
    std::array<BYTE, 32> out{};
    std::copy(r.begin(), r.end(), out.begin());
    return out;
  }
  NCRYPT_PROV_HANDLE p_;
  const oracle::SuiteFacts& facts_;
  Bytes pms_;
  std::array<BYTE, 32> client_random_ = random32(), server_random_ = random32();
  NCRYPT_KEY_HANDLE master_ = 0;
  SECURITY_STATUS status_ = 0;
};

TEST(PoolRsaKeyExchange, DecryptsOnEachHolderAgreesWithOpenSslAndSurvivesALostHolder) {
  const faults::RigInstance rig("rsa-kx-a");
  Member a = member_a();
  a.spec = rig.member(member_a().spec, /*own_module_copy=*/true);
  const std::vector<Member> members{a, member_b(), member_n()};
  const ServerRsaKey k;
  const ImportedKeyId id_a = import_pem_key_on(a, k.key.get(), k.cert.der, "pool rsa kx key");
  const ImportedKeyId id_b = import_pem_key_on(member_b(), k.key.get(), k.cert.der, "pool rsa kx key");
  {
    PoolProvider p("rsa-kx", members, "policy = round-robin\nprobe-interval = 100");
    ASSERT_EQ(p.open_status(), 0);
    NCRYPT_KEY_HANDLE key = 0;
    ASSERT_EQ(open_private_key(p.get(), k.cert.der, &key), 0) << test::last_error();

    // The client's pre-master is unwrapped with the server key (C_UnwrapKey;
    // C_Decrypt on tokens that cannot unwrap): counted on "a" by its rig.
    auto decrypts_on_a = [&rig] { return rig.calls("C_UnwrapKey") + rig.calls("C_Decrypt"); };

    // Each master on exactly one holder, decrypted there, spread over both, never on "n".
    constexpr int kExchanges = 16;
    int on[3] = {0, 0, 0};
    for (int i = 0; i < kExchanges; ++i) {
      SCOPED_TRACE("exchange " + std::to_string(i));
      const auto before = counts(members);
      const unsigned long a_before = decrypts_on_a();
      const RsaExchange x(p.get(), key, k);
      ASSERT_EQ(x.status(), 0) << test::last_error();
      const int where = grown_member(members, before);
      ASSERT_NE(where, -1) << "the master's objects are not on exactly one member";
      EXPECT_EQ(decrypts_on_a() > a_before, where == 0) << "the pre-master was decrypted on another member";
      ++on[where];
      x.check();
    }
    EXPECT_GT(on[0], 0) << "no master on a";
    EXPECT_GT(on[1], 0) << "no master on b";
    EXPECT_EQ(on[2], 0) << "a master on n, which lacks the key";
    std::cout << "[rsa kx] masters on a/b/n: " << on[0] << "/" << on[1] << "/" << on[2] << "\n";

    // "a" goes away; a placing call marks it down (and is retried elsewhere).
    for (const char* f : {"C_GenerateKeyPair", "C_UnwrapKey", "C_Decrypt", "C_DecryptInit", "C_GetSlotInfo",
                          "C_GetTokenInfo", "C_OpenSession", "C_GetSessionInfo", "C_FindObjectsInit"}) {
      rig.inject(f, CKR_DEVICE_REMOVED);
    }
    for (int i = 0; i < 3; ++i) {
      NCRYPT_KEY_HANDLE e = 0;
      EXPECT_EQ(SslCreateEphemeralKey(p.get(), &e, kTls12, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                                      TLS_ECC_P256_CURVE_KEY_TYPE, 256, nullptr, 0, 0),
                0)
          << test::last_error();
      SslFreeObject(e, 0);
    }
    SSLP11_POOL_MEMBER_STATUS status[3]{};
    DWORD count = 0;
    ASSERT_EQ(Sslp11GetPoolStatus(p.get(), status, 3, &count, 0), 0) << test::last_error();
    ASSERT_EQ(status[0].dwUp, 0u) << "a was not marked down";

    // Every exchange on "b" now ("a"'s token is not counted: its calls fail).
    const std::vector<Member> rest{member_b(), member_n()};
    const unsigned long a_decrypts = decrypts_on_a();
    for (int i = 0; i < 4; ++i) {
      SCOPED_TRACE("exchange with a down " + std::to_string(i));
      const auto before = counts(rest);
      const RsaExchange x(p.get(), key, k);
      ASSERT_EQ(x.status(), 0) << test::last_error();
      EXPECT_EQ(grown_member(rest, before), 0) << "the master is not on b alone";
      x.check();
    }
    EXPECT_EQ(decrypts_on_a(), a_decrypts) << "a decrypted while down";
    rig.clear();
    SslFreeObject(key, 0);
  }
  delete_imported_key_on(a, id_a);
  delete_imported_key_on(member_b(), id_b);
}

}  // namespace
}  // namespace sslp11::pool_test
