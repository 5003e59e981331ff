// Host buffers that held composed-path key material or a PIN are wiped before
// they are freed. This executable replaces the global operator new/delete
// (support/freed_memory.h): while a test is armed every freed block is kept,
// and once the test has learnt the secrets from the OpenSSL peer's side, each
// kept block is searched for any 8-byte window of them (raw or hex).
//
//  * control: an un-wiped std::vector copy of a secret (and one 8-byte window
//    of it inside a larger block) must be found; a wiped p11::SecureBytes copy
//    must not - so a silent checker cannot pass;
//  * one full composed-path schedule on SoftHSMv2 each for ECDHE (client) and
//    RSA (server, SslImportMasterKey), plus DHE and RSA client, including
//    session keys, a record, Finished and freeing the keys: no freed block
//    holds the pre-master, the master secret or the key block;
//  * SslOpenProvider + SslFreeObject with the PIN from an environment
//    variable and from a PIN file: no freed block holds the PIN.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "core/support/server_key.h"
#include "core/support/ssl_calls.h"
#include "pkcs11/secure_buffer.h"
#include "secrets/support/freed_memory.h"
#include "secrets/support/schedules.h"
#include "secrets/support/secret_patterns.h"
#include "support/provider_env.h"
#include "support/test_tokens.h"

namespace sslp11::secretstest {
namespace {

using test::ProviderHandle;
using test::TestTokens;
using test::TokenName;
using test::TokenSpec;

constexpr DWORD kTls12 = TLS1_2_PROTOCOL_VERSION;

// Keeps the compiler from eliding an allocation whose contents are never read.
void escape(const void* p) { asm volatile("" : : "g"(p) : "memory"); }

// Arms on construction; disarm() (or the destructor) stops keeping blocks,
// the destructor also releases them.
class Armed {
 public:
  Armed() { FreedMemory::arm(); }
  ~Armed() {
    FreedMemory::disarm();
    FreedMemory::release();
  }
  Armed(const Armed&) = delete;
  Armed& operator=(const Armed&) = delete;
  void disarm() { FreedMemory::disarm(); }
};

::testing::AssertionResult no_secret_freed(const SecretSet& secrets, const char* what) {
  if (FreedMemory::overflowed()) return ::testing::AssertionFailure() << "the quarantine overflowed";
  const auto hits = FreedMemory::search(secrets);
  std::cout << "[wipe] " << what << ": " << FreedMemory::kept_blocks() << " freed blocks ("
            << FreedMemory::kept_bytes() << " bytes) searched for " << secrets.size() << " secrets, "
            << hits.size() << " hit(s)" << std::endl;
  if (hits.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << what << ": freed without wiping:" << describe(hits);
}

// ---- The checker itself ----

TEST(FreedMemoryChecker, FindsAnUnwipedCopyAndAPartialOne) {
  const Bytes secret = coretest::random_bytes(48);
  {
    Armed armed;
    {
      std::vector<std::uint8_t> copy(secret.begin(), secret.end());  // freed as is
      escape(copy.data());
    }
    {
      std::vector<std::uint8_t> partial(200, 0x5a);  // 8 bytes from the middle of the secret
      std::copy(secret.begin() + 20, secret.begin() + 28, partial.begin() + 77);
      escape(partial.data());
    }
    {
      std::string hex = hex_lower(secret).substr(10, 40);  // a hex dump of part of it
      escape(hex.data());
    }
    armed.disarm();
    SecretSet secrets;
    secrets.add("control secret", secret);
    const auto hits = FreedMemory::search(secrets);
    // The copy, the partial copy, and two hex blocks: the whole hex string
    // (a temporary) and the 40-digit substring.
    ASSERT_EQ(hits.size(), 4u) << describe(hits);
    EXPECT_EQ(hits[0].findings.front().form, "raw");
    EXPECT_EQ(hits[1].findings.front().form, "raw");
    EXPECT_EQ(hits[1].findings.front().offset, 77u);
    EXPECT_EQ(hits[2].findings.front().form, "hex");
    EXPECT_EQ(hits[3].findings.front().form, "hex");
    std::cout << "[wipe] control: found" << describe(hits) << std::endl;
  }
}

TEST(FreedMemoryChecker, IgnoresAWipedCopy) {
  const Bytes secret = coretest::random_bytes(48);
  Armed armed;
  {
    p11::SecureBytes copy(secret);
    escape(copy.data());
  }
  armed.disarm();
  EXPECT_GE(FreedMemory::kept_blocks(), 1u) << "the SecureBytes block was not seen being freed";
  SecretSet secrets;
  secrets.add("control secret", secret);
  EXPECT_TRUE(no_secret_freed(secrets, "SecureBytes control"));
}

// ---- The composed path on SoftHSMv2 ----

bool composed(const TokenSpec& t) { return !TestTokens::is_native(t); }

class ComposedPathWipes : public ::testing::TestWithParam<TokenSpec> {
 protected:
  void SetUp() override {
    provider_ = std::make_unique<ProviderHandle>(GetParam());
    ASSERT_EQ(provider_->open_status(), ERROR_SUCCESS);
    ASSERT_EQ(coretest::provider_property_string(p(), SSLP11_DERIVATION_PATH_PROPERTY), "composed");
  }
  void TearDown() override { provider_.reset(); }
  NCRYPT_PROV_HANDLE p() const { return provider_->get(); }

  // What follows the master key in a handshake: a record each way and
  // Finished, then every key freed.
  void use_and_free(Schedule& s) {
    Bytes plaintext(64, 0x11), record(200);
    DWORD cb = 0;
    coretest::require_ok(SslEncryptPacket(p(), s.write.get(), plaintext.data(), 64, record.data(),
                                          static_cast<DWORD>(record.size()), &cb, 0, CT_APPLICATIONDATA, 0),
                         "SslEncryptPacket");
    coretest::SslObject hash;
    coretest::require_ok(SslCreateHandshakeHash(p(), hash.out(), kTls12, s.suite->id, 0), "SslCreateHandshakeHash");
    coretest::require_ok(SslHashHandshake(p(), hash.get(), plaintext.data(), 64, 0), "SslHashHandshake");
    Bytes finished(12);
    coretest::require_ok(SslComputeFinishedHash(p(), s.master.get(), hash.get(), finished.data(), 12,
                                                s.client ? NCRYPT_SSL_CLIENT_FLAG : NCRYPT_SSL_SERVER_FLAG),
                         "SslComputeFinishedHash");
    s.free_keys();
  }

  void check(Schedule& s) {
    s.learn();
    SecretSet secrets;
    s.add_secrets_to(secrets);
    ASSERT_GE(secrets.size(), 3u);
    EXPECT_TRUE(no_secret_freed(secrets, s.name.c_str()));
  }

  std::unique_ptr<ProviderHandle> provider_;
};

TEST_P(ComposedPathWipes, EcdheClientSchedule) {
  const auto& suite = offered_suite(p(), TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256);
  Armed armed;
  Schedule s = run_ecdhe(p(), suite, coretest::p256(), /*client=*/true, /*ems=*/false);
  use_and_free(s);
  armed.disarm();
  check(s);
}

TEST_P(ComposedPathWipes, RsaServerSchedule) {
  const auto& suite = offered_suite(p(), TLS_RSA_WITH_AES_128_GCM_SHA256);
  coretest::ServerRsaKey server(p(), /*token_objects=*/true);
  Bytes pms = coretest::random_bytes(48);
  pms[0] = 0x03;
  pms[1] = 0x03;
  const Bytes encrypted = coretest::rsa_encrypt_pkcs1(server.openssl_public(), pms);
  Armed armed;
  Schedule s = run_rsa_server(p(), suite, server, encrypted, &pms, /*ems=*/true);
  use_and_free(s);
  armed.disarm();
  check(s);
}

TEST_P(ComposedPathWipes, DheClientSchedule) {
  const auto& suite = offered_suite(p(), TLS_DHE_RSA_WITH_AES_128_GCM_SHA256);
  Armed armed;
  Schedule s = run_dhe(p(), suite, /*client=*/true, /*ems=*/false);
  use_and_free(s);
  armed.disarm();
  check(s);
}

TEST_P(ComposedPathWipes, RsaClientSchedule) {
  const auto& suite = offered_suite(p(), TLS_RSA_WITH_AES_128_GCM_SHA256);
  const coretest::Pkey peer_server = coretest::rsa_generate(2048);
  Armed armed;
  Schedule s = run_rsa_client(p(), suite, peer_server.get(), /*ems=*/true);
  use_and_free(s);
  armed.disarm();
  check(s);
}

INSTANTIATE_TEST_SUITE_P(Tokens, ComposedPathWipes, ::testing::ValuesIn(TestTokens::where(composed)), TokenName{});

// ---- The PIN ----

class PinWipes : public ::testing::TestWithParam<TokenSpec> {
 protected:
  const TokenSpec& spec() const { return GetParam(); }

  void open_and_free(const char* what) {
    SecretSet secrets;
    secrets.add_text("user PIN", spec().user_pin);
    {
      Armed armed;
      NCRYPT_PROV_HANDLE h = 0;
      ASSERT_EQ(SslOpenProvider(&h, nullptr, 0), ERROR_SUCCESS) << test::last_error();
      ASSERT_EQ(SslFreeObject(h, 0), ERROR_SUCCESS) << test::last_error();
      armed.disarm();
      EXPECT_TRUE(no_secret_freed(secrets, what));
    }
  }
};

TEST_P(PinWipes, FromAnEnvironmentVariable) {
  test::use_token(spec(), "", "pin-env");
  open_and_free("PIN from env:");
}

TEST_P(PinWipes, FromAPinFile) {
  const std::string pin_file = TestTokens::temp_dir() + "/wipe-test.pin";
  {
    std::ofstream out(pin_file, std::ios::trunc);
    out << spec().user_pin << "\n";
  }
  ASSERT_EQ(chmod(pin_file.c_str(), 0600), 0);
  const std::string conf = TestTokens::temp_dir() + "/wipe-test-pin-file.conf";
  {
    std::ofstream out(conf, std::ios::trunc);
    out << "[token.wipe]\nmodule = " << spec().module_path << "\nlabel = " << spec().label
        << "\npin = file:" << pin_file << "\n";
  }
  setenv("SSLP11_CONF", conf.c_str(), 1);
  open_and_free("PIN from file:");
}

INSTANTIATE_TEST_SUITE_P(Tokens, PinWipes, ::testing::ValuesIn(TestTokens::where(TestTokens::needs_login)),
                         TokenName{});

}  // namespace
}  // namespace sslp11::secretstest
