// RSA key exchange through the Ssl* ABI, against OpenSSL:
//  * server: an RSA-2048 key pair and its certificate on the token,
//    SslOpenPrivateKey, then SslImportMasterKey on a pre-master OpenSSL
//    encrypted (PKCS#1 v1.5) to the token's public key; with and without EMS;
//  * Bleichenbacher countermeasure (RFC 5246 §7.4.7.1): a ciphertext with bad
//    padding, one with a wrong version, and a truncated one must all "succeed"
//    with the same status and the same PKCS#11 calls as a good one, and give
//    keys unrelated to the pre-master inside;
//  * client: SslGenerateMasterKey against an OpenSSL RSA key imported with
//    BCRYPT_RSAPUBLIC_BLOB (size query first), and the EMS flow
//    SslGeneratePreMasterKey + SslGenerateMasterKey(pre-master handle).
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "abi/handle_table.h"
#include "core/support/key_checks.h"
#include "core/support/server_key.h"
#include "core/support/ssl_calls.h"
#include "pkcs11/api.h"
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

constexpr int kCasesPerCell = 100;
constexpr int kFailuresShown = 3;
constexpr DWORD kTls12 = TLS1_2_PROTOCOL_VERSION;

Bytes premaster_with_version(DWORD version) {
  Bytes pms = random_bytes(48);
  pms[0] = static_cast<std::uint8_t>(version >> 8);
  pms[1] = static_cast<std::uint8_t>(version & 0xff);
  return pms;
}

class RsaExchange : public ::testing::TestWithParam<TokenSpec> {
 protected:
  void SetUp() override {
    provider_ = std::make_unique<ProviderHandle>(spec());
    ASSERT_EQ(provider_->open_status(), ERROR_SUCCESS);
    try {
      server_ = std::make_unique<ServerRsaKey>(p(), /*token_objects=*/softhsm());
    } catch (const std::exception& e) {
      FAIL() << "setting up the server's RSA key: " << e.what();
    }
    server_public_ = server_->openssl_public();
    for (DWORD id : enumerate_suites(p())) {
      const SuiteFacts* s = find_suite_facts(id);
      if (s != nullptr && s->exchange == Exchange::rsa) suites_.push_back(s);
    }
    ASSERT_FALSE(suites_.empty()) << "no RSA key-exchange suite offered on " << spec().name;
  }

  void TearDown() override {
    server_.reset();
    provider_.reset();
  }

  const TokenSpec& spec() const { return GetParam(); }
  NCRYPT_PROV_HANDLE p() const { return provider_->get(); }
  bool softhsm() const { return spec().name == "softhsm"; }

  // One server-side SslImportMasterKey of `encrypted` into `master`.
  SECURITY_STATUS import_master(const SuiteFacts& suite, ByteView encrypted, const Bytes& client_random,
                                const Bytes& server_random, const std::optional<Bytes>& session_hash,
                                SslObject& master) {
    ParamList params;
    if (session_hash) {
      params.add(NCRYPTBUFFER_SSL_SESSION_HASH, *session_hash);
    } else {
      params.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, client_random).add(NCRYPTBUFFER_SSL_SERVER_RANDOM, server_random);
    }
    params.add_dword(NCRYPTBUFFER_SSL_HIGHEST_VERSION, kTls12);
    Bytes copy(encrypted.begin(), encrypted.end());
    return SslImportMasterKey(p(), server_->handle(), master.out(), kTls12, suite.id, params.desc(), copy.data(),
                              static_cast<DWORD>(copy.size()), NCRYPT_SSL_SERVER_FLAG);
  }

  ::testing::AssertionResult server_case(const SuiteFacts& suite, bool ems) {
    try {
      const Bytes client_random = random_bytes(32), server_random = random_bytes(32);
      const std::optional<Bytes> session_hash =
          ems ? std::optional<Bytes>(random_bytes(hash_bytes(suite.prf))) : std::nullopt;
      const Bytes pms = premaster_with_version(kTls12);
      SslObject master, read, write;
      require_ok(import_master(suite, rsa_encrypt_pkcs1(server_public_, pms), client_random, server_random,
                               session_hash, master),
                 "SslImportMasterKey");
      ParamList randoms;
      randoms.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, client_random).add(NCRYPTBUFFER_SSL_SERVER_RANDOM, server_random);
      require_ok(SslGenerateSessionKeys(p(), master.get(), read.out(), write.out(), randoms.desc(), 0),
                 "SslGenerateSessionKeys");
      const Bytes ms = master_secret(suite, pms, client_random, server_random, session_hash);
      if (auto r =
              session_keys_match(read.get(), write.get(), suite, expected_keys(suite, ms, client_random, server_random),
                                 /*client=*/false);
          !r) {
        return r;
      }
      if (auto r = master_is_protected(master.get()); !r) return r;
      if (auto r = session_key_is_protected(write.get()); !r) return r;
      const std::string path = key_property_string(master.get(), SSLP11_DERIVATION_PATH_PROPERTY);
      if (path != spec().expected_path) return ::testing::AssertionFailure() << "derivation path '" << path << "'";
      return ::testing::AssertionSuccess();
    } catch (const std::exception& e) {
      return ::testing::AssertionFailure() << e.what();
    }
  }

  std::unique_ptr<ProviderHandle> provider_;
  std::unique_ptr<ServerRsaKey> server_;
  EVP_PKEY* server_public_ = nullptr;  // owned by server_
  std::vector<const SuiteFacts*> suites_;
};

// ---- server side -----------------------------------------------------------

TEST_P(RsaExchange, ServerImportMasterKeyMatchesOpenSsl) {
  for (const SuiteFacts* suite : suites_) {
    for (bool ems : {false, true}) {
      SCOPED_TRACE(std::string(suite->name) + (ems ? " with EMS" : " without EMS"));
      // Always the full count: a wall-clock budget would make the result depend on machine load.
      const int cases = kCasesPerCell;
      int passed = 0, shown = 0;
      const auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < cases; ++i) {
        const auto r = server_case(*suite, ems);
        if (r) {
          ++passed;
        } else if (shown++ < kFailuresShown) {
          ADD_FAILURE() << "case " << i << ": " << r.message();
        }
      }
      const auto ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
      std::cout << "[rsa] token=" << spec().name << " server suite=" << suite->name << " ems=" << (ems ? "on" : "off")
                << ": " << passed << "/" << cases << " cases passed in " << ms << " ms" << std::endl;
      EXPECT_EQ(passed, cases);
    }
  }
}

// The length-prefixed ClientKeyExchange body is accepted as well (the ABI
// strips a 2-byte length equal to the rest).
TEST_P(RsaExchange, ServerAcceptsLengthPrefixedCiphertext) {
  const SuiteFacts& suite = *suites_.front();
  const Bytes client_random = random_bytes(32), server_random = random_bytes(32);
  const Bytes pms = premaster_with_version(kTls12);
  const Bytes enc = rsa_encrypt_pkcs1(server_public_, pms);
  Bytes prefixed{static_cast<std::uint8_t>(enc.size() >> 8), static_cast<std::uint8_t>(enc.size() & 0xff)};
  prefixed.insert(prefixed.end(), enc.begin(), enc.end());
  SslObject master, read, write;
  ASSERT_EQ(import_master(suite, prefixed, client_random, server_random, std::nullopt, master), ERROR_SUCCESS)
      << test::last_error();
  ParamList randoms;
  randoms.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, client_random).add(NCRYPTBUFFER_SSL_SERVER_RANDOM, server_random);
  ASSERT_EQ(SslGenerateSessionKeys(p(), master.get(), read.out(), write.out(), randoms.desc(), 0), ERROR_SUCCESS);
  const Bytes ms = master_secret(suite, pms, client_random, server_random, std::nullopt);
  EXPECT_TRUE(session_keys_match(read.get(), write.get(), suite, expected_keys(suite, ms, client_random, server_random),
                                 false));
}

// RFC 5246 §7.4.7.1: whatever is wrong with the ClientKeyExchange, the server
// continues with a random pre-master, and nothing it does (status, the
// PKCS#11 calls made) depends on what was wrong.
TEST_P(RsaExchange, BleichenbacherCountermeasure) {
  const std::size_t k = rsa_modulus(server_public_).size();
  for (const SuiteFacts* suite : suites_) {
    for (bool ems : {false, true}) {
      SCOPED_TRACE(std::string(suite->name) + (ems ? " with EMS" : " without EMS"));
      const Bytes client_random = random_bytes(32), server_random = random_bytes(32);
      const std::optional<Bytes> session_hash =
          ems ? std::optional<Bytes>(random_bytes(hash_bytes(suite->prf))) : std::nullopt;
      ParamList randoms;
      randoms.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, client_random).add(NCRYPTBUFFER_SSL_SERVER_RANDOM, server_random);

      // The calls one good import makes (after a warm-up, so no session is opened in between).
      const Bytes good_pms = premaster_with_version(kTls12);
      const Bytes good = rsa_encrypt_pkcs1(server_public_, good_pms);
      {
        SslObject warm;
        ASSERT_EQ(import_master(*suite, good, client_random, server_random, session_hash, warm), ERROR_SUCCESS)
            << test::last_error();
      }
      SslObject good_master;
      const std::uint64_t before_good = p11::calls_on_this_thread();
      const SECURITY_STATUS good_status =
          import_master(*suite, good, client_random, server_random, session_hash, good_master);
      const std::uint64_t good_calls = p11::calls_on_this_thread() - before_good;
      ASSERT_EQ(good_status, ERROR_SUCCESS) << test::last_error();

      struct Bad {
        const char* what;
        Bytes pms;  // the pre-master the ciphertext carries (or was cut from)
        Bytes ciphertext;
      };
      std::vector<Bad> bad;
      {
        // PKCS#1 v1.5 *signature* padding (block type 1) around a good pre-master.
        const Bytes pms = premaster_with_version(kTls12);
        Bytes block(k, 0xff);
        block[0] = 0x00;
        block[1] = 0x01;
        block[k - 49] = 0x00;
        std::copy(pms.begin(), pms.end(), block.end() - 48);
        bad.push_back({"block type 1 padding", pms, rsa_encrypt_raw(server_public_, block)});
      }
      {
        const Bytes pms = premaster_with_version(TLS1_PROTOCOL_VERSION);  // 0x0301, HIGHEST_VERSION says 0x0303
        bad.push_back({"pre-master version 0x0301", pms, rsa_encrypt_pkcs1(server_public_, pms)});
      }
      {
        const Bytes pms = premaster_with_version(kTls12);
        Bytes enc = rsa_encrypt_pkcs1(server_public_, pms);
        enc.resize(enc.size() / 2);
        bad.push_back({"ciphertext truncated to half", pms, enc});
      }

      for (const Bad& b : bad) {
        SCOPED_TRACE(b.what);
        SslObject master, read, write;
        const std::uint64_t before = p11::calls_on_this_thread();
        const SECURITY_STATUS status =
            import_master(*suite, b.ciphertext, client_random, server_random, session_hash, master);
        const std::uint64_t calls = p11::calls_on_this_thread() - before;
        EXPECT_EQ(status, good_status) << test::last_error();
        EXPECT_EQ(calls, good_calls) << "a bad ciphertext made a different number of PKCS#11 calls than a good one";
        ASSERT_NE(master.get(), 0u);
        ASSERT_EQ(SslGenerateSessionKeys(p(), master.get(), read.out(), write.out(), randoms.desc(), 0), ERROR_SUCCESS)
            << test::last_error();
        const Bytes ms = master_secret(*suite, b.pms, client_random, server_random, session_hash);
        const ExpectedKeys from_inside = expected_keys(*suite, ms, client_random, server_random);
        try {
          const KeyComparison w = compare_session_key(write.get(), *suite, from_inside.server, true);
          const KeyComparison r = compare_session_key(read.get(), *suite, from_inside.client, false);
          EXPECT_FALSE(w.any_secret_matches())
              << "the server write key came from the pre-master inside the bad ciphertext";
          EXPECT_FALSE(r.any_secret_matches())
              << "the server read key came from the pre-master inside the bad ciphertext";
        } catch (const std::exception& e) {
          ADD_FAILURE() << e.what();
        }
        EXPECT_TRUE(master_is_protected(master.get()));
      }
    }
  }
}

// A bad ClientKeyExchange must not leave anything behind that breaks the next
// operations on the token (e.g. a failed decrypt left active on a pooled
// session): a master made before it still yields its session keys, and a good
// import after it still works.
TEST_P(RsaExchange, BadCiphertextLeavesLaterOperationsWorking) {
  const SuiteFacts& suite = *suites_.front();
  const Bytes client_random = random_bytes(32), server_random = random_bytes(32);
  ParamList randoms;
  randoms.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, client_random).add(NCRYPTBUFFER_SSL_SERVER_RANDOM, server_random);
  const Bytes pms = premaster_with_version(kTls12);
  const Bytes good = rsa_encrypt_pkcs1(server_public_, pms);
  const ExpectedKeys want = expected_keys(suite, master_secret(suite, pms, client_random, server_random, std::nullopt),
                                          client_random, server_random);

  SslObject earlier;
  ASSERT_EQ(import_master(suite, good, client_random, server_random, std::nullopt, earlier), ERROR_SUCCESS)
      << test::last_error();

  Bytes truncated = good;
  truncated.resize(truncated.size() / 2);
  SslObject bad_master;
  const SECURITY_STATUS bad_status =
      import_master(suite, truncated, client_random, server_random, std::nullopt, bad_master);
  EXPECT_EQ(bad_status, ERROR_SUCCESS) << test::last_error();

  SslObject read, write;
  ASSERT_EQ(SslGenerateSessionKeys(p(), earlier.get(), read.out(), write.out(), randoms.desc(), 0), ERROR_SUCCESS)
      << "session keys of a master made before the bad ciphertext: " << test::last_error();
  EXPECT_TRUE(session_keys_match(read.get(), write.get(), suite, want, false));

  SslObject later, later_read, later_write;
  ASSERT_EQ(import_master(suite, good, client_random, server_random, std::nullopt, later), ERROR_SUCCESS)
      << "a good import after the bad one: " << test::last_error();
  ASSERT_EQ(SslGenerateSessionKeys(p(), later.get(), later_read.out(), later_write.out(), randoms.desc(), 0),
            ERROR_SUCCESS)
      << test::last_error();
  EXPECT_TRUE(session_keys_match(later_read.get(), later_write.get(), suite, want, false));
}

// ---- client side -----------------------------------------------------------

class RsaClient : public RsaExchange {
 protected:
  static void SetUpTestSuite() { peer_server_ = rsa_generate(2048); }
  static void TearDownTestSuite() { peer_server_.reset(); }

  SslObject import_server_public() {
    Bytes blob = rsa_public_blob(rsa_modulus(peer_server_.get()), rsa_public_exponent(peer_server_.get()));
    SslObject key;
    require_ok(SslImportKey(p(), key.out(), BCRYPT_RSAPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), 0),
               "SslImportKey(BCRYPT_RSAPUBLIC_BLOB)");
    return key;
  }

  // The pre-master inside `encrypted`, checked to carry `version`.
  static Bytes open_premaster(const Bytes& encrypted, DWORD version) {
    if (encrypted.size() != 256)
      throw std::runtime_error("the encrypted pre-master has " + std::to_string(encrypted.size()) +
                               " bytes, not the modulus size 256 (a length prefix?)");
    auto pms = rsa_decrypt_pkcs1(peer_server_.get(), encrypted);
    if (!pms) throw std::runtime_error("OpenSSL cannot decrypt the encrypted pre-master");
    if (pms->size() != 48) throw std::runtime_error("the pre-master has " + std::to_string(pms->size()) + " bytes");
    const DWORD inside = static_cast<DWORD>((*pms)[0] << 8 | (*pms)[1]);
    if (inside != version) {
      throw std::runtime_error("the pre-master carries version " + status_hex(static_cast<LONG>(inside)) +
                               ", HIGHEST_VERSION was " + status_hex(static_cast<LONG>(version)));
    }
    return *pms;
  }

  ::testing::AssertionResult client_case(const SuiteFacts& suite, bool ems, DWORD highest_version) {
    try {
      SslObject server_public = import_server_public();
      const Bytes client_random = random_bytes(32), server_random = random_bytes(32);
      SslObject master, read, write;
      Bytes pms;
      std::optional<Bytes> session_hash;
      if (!ems) {
        ParamList params;
        params.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, client_random)
            .add(NCRYPTBUFFER_SSL_SERVER_RANDOM, server_random)
            .add_dword(NCRYPTBUFFER_SSL_HIGHEST_VERSION, highest_version);
        Bytes encrypted(256);
        DWORD cb = 0;
        require_ok(
            SslGenerateMasterKey(p(), 0, server_public.get(), master.out(), kTls12, suite.id, params.desc(),
                                 encrypted.data(), static_cast<DWORD>(encrypted.size()), &cb, NCRYPT_SSL_CLIENT_FLAG),
            "SslGenerateMasterKey");
        encrypted.resize(cb);
        pms = open_premaster(encrypted, highest_version);
      } else {
        ParamList pre_params;
        pre_params.add_dword(NCRYPTBUFFER_SSL_HIGHEST_VERSION, highest_version);
        SslObject premaster;
        Bytes encrypted(256);
        DWORD cb = 0;
        require_ok(SslGeneratePreMasterKey(p(), server_public.get(), premaster.out(), kTls12, suite.id,
                                           pre_params.desc(), encrypted.data(), static_cast<DWORD>(encrypted.size()),
                                           &cb, NCRYPT_SSL_CLIENT_FLAG),
                   "SslGeneratePreMasterKey");
        encrypted.resize(cb);
        pms = open_premaster(encrypted, highest_version);
        // ClientKeyExchange is hashed into the session hash only now.
        session_hash = random_bytes(hash_bytes(suite.prf));
        ParamList params;
        params.add(NCRYPTBUFFER_SSL_SESSION_HASH, *session_hash)
            .add_dword(NCRYPTBUFFER_SSL_HIGHEST_VERSION, highest_version);
        require_ok(SslGenerateMasterKey(p(), premaster.get(), server_public.get(), master.out(), kTls12, suite.id,
                                        params.desc(), nullptr, 0, nullptr, NCRYPT_SSL_CLIENT_FLAG),
                   "SslGenerateMasterKey(pre-master)");
      }
      ParamList randoms;
      randoms.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, client_random).add(NCRYPTBUFFER_SSL_SERVER_RANDOM, server_random);
      require_ok(SslGenerateSessionKeys(p(), master.get(), read.out(), write.out(), randoms.desc(), 0),
                 "SslGenerateSessionKeys");
      const Bytes ms = master_secret(suite, pms, client_random, server_random, session_hash);
      if (auto r =
              session_keys_match(read.get(), write.get(), suite, expected_keys(suite, ms, client_random, server_random),
                                 /*client=*/true);
          !r) {
        return r;
      }
      if (auto r = master_is_protected(master.get()); !r) return r;
      return session_key_is_protected(write.get());
    } catch (const std::exception& e) {
      return ::testing::AssertionFailure() << e.what();
    }
  }

  // The server's key pair, held by OpenSSL (the client side only knows its public half).
  static Pkey peer_server_;
};

Pkey RsaClient::peer_server_;

// A NULL pbOutput asks for the size: the modulus length, and nothing is made.
TEST_P(RsaClient, SizeQueryCreatesNothing) {
  SslObject server_public = import_server_public();
  const SuiteFacts& suite = *suites_.front();
  ParamList params;
  const Bytes client_random = random_bytes(32), server_random = random_bytes(32);
  params.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, client_random)
      .add(NCRYPTBUFFER_SSL_SERVER_RANDOM, server_random)
      .add_dword(NCRYPTBUFFER_SSL_HIGHEST_VERSION, kTls12);
  const std::size_t handles_before = abi::HandleTable::instance().size();
  const std::size_t objects_before = count_token_objects(p());
  NCRYPT_KEY_HANDLE master = 0xdead;
  DWORD cb = 0;
  EXPECT_EQ(SslGenerateMasterKey(p(), 0, server_public.get(), &master, kTls12, suite.id, params.desc(), nullptr, 0, &cb,
                                 NCRYPT_SSL_CLIENT_FLAG),
            ERROR_SUCCESS)
      << test::last_error();
  EXPECT_EQ(cb, 256u);
  EXPECT_EQ(master, 0u);
  EXPECT_EQ(abi::HandleTable::instance().size(), handles_before);
  EXPECT_EQ(count_token_objects(p()), objects_before);

  ParamList pre_params;
  pre_params.add_dword(NCRYPTBUFFER_SSL_HIGHEST_VERSION, kTls12);
  NCRYPT_KEY_HANDLE premaster = 0xdead;
  cb = 0;
  EXPECT_EQ(SslGeneratePreMasterKey(p(), server_public.get(), &premaster, kTls12, suite.id, pre_params.desc(), nullptr,
                                    0, &cb, NCRYPT_SSL_CLIENT_FLAG),
            ERROR_SUCCESS)
      << test::last_error();
  EXPECT_EQ(cb, 256u);
  EXPECT_EQ(premaster, 0u);
  EXPECT_EQ(abi::HandleTable::instance().size(), handles_before);
  EXPECT_EQ(count_token_objects(p()), objects_before);
}

TEST_P(RsaClient, GenerateMasterKeyMatchesOpenSsl) {
  for (const SuiteFacts* suite : suites_) {
    for (bool ems : {false, true}) {
      SCOPED_TRACE(std::string(suite->name) + (ems ? " with EMS (SslGeneratePreMasterKey)" : " without EMS"));
      // Always the full count: a wall-clock budget would make the result depend on machine load.
      const int cases = kCasesPerCell;
      int passed = 0, shown = 0;
      const auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < cases; ++i) {
        // Alternate the offered version so the pre-master provably carries HIGHEST_VERSION.
        const DWORD version = i % 2 == 0 ? TLS1_2_PROTOCOL_VERSION : TLS1_1_PROTOCOL_VERSION;
        const auto r = client_case(*suite, ems, version);
        if (r) {
          ++passed;
        } else if (shown++ < kFailuresShown) {
          ADD_FAILURE() << "case " << i << " (HIGHEST_VERSION " << status_hex(static_cast<LONG>(version))
                        << "): " << r.message();
        }
      }
      const auto ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
      std::cout << "[rsa] token=" << spec().name << " client suite=" << suite->name << " ems=" << (ems ? "on" : "off")
                << ": " << passed << "/" << cases << " cases passed in " << ms << " ms" << std::endl;
      EXPECT_EQ(passed, cases);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Tokens, RsaExchange, ::testing::ValuesIn(TestTokens::all()), TokenName{});
INSTANTIATE_TEST_SUITE_P(Tokens, RsaClient, ::testing::ValuesIn(TestTokens::all()), TokenName{});

}  // namespace
}  // namespace sslp11::coretest
