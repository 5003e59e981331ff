// No PIN, pre-master, master secret, key-block byte or exporter output ever
// reaches a log line or an error string. On each test token a full run at
// debug level goes through the Ssl* API with an OpenSSL peer: ECDHE client
// (EMS off) and server (EMS on), DHE, RSA client and server (one good and one
// bad ciphertext), session keys, records both ways, a tampered record,
// Finished, the exporter and the EAP key block, a signature, and error paths
// (wrong PIN, bad and freed handles, short buffers, bad flags). The test then
// computes every secret from the peer's side with OpenSSL and searches the
// whole log file and every error text sslp11 returned for each of them: raw,
// lowercase and uppercase hex, any 8-byte window (secret_patterns.h). The log
// must also hold the debug lines of the calls made, so the search cannot pass
// on an empty file.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/support/server_key.h"
#include "core/support/ssl_calls.h"
#include "log/logger.h"
#include "support/oracle/records.h"
#include "secrets/support/schedules.h"
#include "secrets/support/secret_patterns.h"
#include "signing/support/signing_fixture.h"
#include "support/provider_env.h"
#include "support/test_tokens.h"

namespace sslp11::secretstest {
namespace {

using coretest::SslObject;
using test::ProviderHandle;
using test::TestTokens;
using test::TokenName;
using test::TokenSpec;

constexpr DWORD kTls12 = TLS1_2_PROTOCOL_VERSION;
constexpr NCRYPT_HANDLE kBogusHandle = 0x5eed5eedu;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class SecretsNeverLogged : public ::testing::TestWithParam<TokenSpec> {
 protected:
  void SetUp() override {
    log_path_ = TestTokens::temp_dir() + "/secrets-" + spec().name + ".log";
    std::filesystem::remove(log_path_);
    setenv("SSLP11_LOG_LEVEL", "debug", 1);
    setenv("SSLP11_LOG_DESTINATION", ("file:" + log_path_).c_str(), 1);
    log::reset_for_tests();  // re-read the environment, as a fresh process would
    provider_ = std::make_unique<ProviderHandle>(spec());
    ASSERT_EQ(provider_->open_status(), ERROR_SUCCESS);
  }
  void TearDown() override {
    provider_.reset();
    unsetenv("SSLP11_LOG_LEVEL");
    unsetenv("SSLP11_LOG_DESTINATION");
    log::reset_for_tests();
  }

  const TokenSpec& spec() const { return GetParam(); }
  NCRYPT_PROV_HANDLE p() const { return provider_->get(); }

  // An expected failure: its status must not be success, and its text joins
  // the error strings searched for secrets.
  void expect_failure(SECURITY_STATUS s, const char* call) {
    EXPECT_NE(s, ERROR_SUCCESS) << call << " should have failed";
    errors_.push_back(std::string(call) + ": " + test::last_error());
  }

  // Records both ways, a tampered record and a short output buffer.
  void exercise_records(Schedule& s) {
    const auto* facts = s.suite;
    ASSERT_NE(facts, nullptr);
    const oracle::DirectionKeys& peer_keys = s.client ? s.keys.server : s.keys.client;
    const Bytes plaintext = coretest::random_bytes(100);

    Bytes record(plaintext.size() + 256);
    DWORD cb = 0;
    Bytes input = plaintext;
    ASSERT_EQ(SslEncryptPacket(p(), s.write.get(), input.data(), static_cast<DWORD>(input.size()), record.data(),
                               static_cast<DWORD>(record.size()), &cb, 0, CT_APPLICATIONDATA, 0),
              ERROR_SUCCESS)
        << test::last_error();
    record.resize(cb);
    const oracle::DirectionKeys& our_keys = s.client ? s.keys.client : s.keys.server;
    const auto opened = oracle::open(*facts, our_keys, 0, record);
    ASSERT_TRUE(opened.has_value()) << "the peer cannot open sslp11's record";
    EXPECT_EQ(*opened, plaintext);

    Bytes incoming = oracle::seal(*facts, peer_keys, 0, CT_APPLICATIONDATA, plaintext);
    Bytes out(incoming.size());
    ASSERT_EQ(SslDecryptPacket(p(), s.read.get(), incoming.data(), static_cast<DWORD>(incoming.size()), out.data(),
                               static_cast<DWORD>(out.size()), &cb, 0, 0),
              ERROR_SUCCESS)
        << test::last_error();

    Bytes tampered = oracle::seal(*facts, peer_keys, 1, CT_APPLICATIONDATA, plaintext);
    tampered.back() ^= 0x01;
    expect_failure(SslDecryptPacket(p(), s.read.get(), tampered.data(), static_cast<DWORD>(tampered.size()),
                                    out.data(), static_cast<DWORD>(out.size()), &cb, 1, 0),
                   "SslDecryptPacket(tampered)");
    Bytes small(4);
    expect_failure(SslEncryptPacket(p(), s.write.get(), input.data(), static_cast<DWORD>(input.size()), small.data(),
                                    static_cast<DWORD>(small.size()), &cb, 1, CT_APPLICATIONDATA, 0),
                   "SslEncryptPacket(short output)");
  }

  // Finished, the exporter and the EAP key block of a master key.
  void exercise_master(Schedule& s) {
    SslObject hash;
    ASSERT_EQ(SslCreateHandshakeHash(p(), hash.out(), kTls12, s.suite->id, 0), ERROR_SUCCESS) << test::last_error();
    Bytes message = coretest::random_bytes(200);
    ASSERT_EQ(SslHashHandshake(p(), hash.get(), message.data(), static_cast<DWORD>(message.size()), 0), ERROR_SUCCESS)
        << test::last_error();
    Bytes finished(12);
    ASSERT_EQ(SslComputeFinishedHash(p(), s.master.get(), hash.get(), finished.data(), 12,
                                     s.client ? NCRYPT_SSL_CLIENT_FLAG : NCRYPT_SSL_SERVER_FLAG),
              ERROR_SUCCESS)
        << test::last_error();
    expect_failure(SslComputeFinishedHash(p(), s.master.get(), hash.get(), finished.data(), 12, 0x40),
                   "SslComputeFinishedHash(bad flags)");

    Bytes randoms = s.randoms();
    Bytes context = coretest::random_bytes(16);
    Bytes exported(48);
    char label[] = "EXPORTER-sslp11-secrets-test";
    ASSERT_EQ(SslExportKeyingMaterial(p(), s.master.get(), label, randoms.data(), static_cast<DWORD>(randoms.size()),
                                      context.data(), static_cast<WORD>(context.size()), exported.data(),
                                      static_cast<DWORD>(exported.size()), 0),
              ERROR_SUCCESS)
        << test::last_error();
    secrets_.add(s.name + " exporter output", exported);

    DWORD size = 0;
    ASSERT_EQ(SslComputeEapKeyBlock(p(), s.master.get(), randoms.data(), 64, nullptr, 0, &size, NCRYPT_SSL_EAP_ID),
              ERROR_SUCCESS)
        << test::last_error();
    Bytes eap(size);
    ASSERT_EQ(SslComputeEapKeyBlock(p(), s.master.get(), randoms.data(), 64, eap.data(), size, &size,
                                    NCRYPT_SSL_EAP_ID),
              ERROR_SUCCESS)
        << test::last_error();
    secrets_.add(s.name + " EAP key block", eap);
  }

  void finish(Schedule& s) {
    s.learn();
    s.add_secrets_to(secrets_);
    ++schedules_;
  }

  // The wrong-PIN path: a second config for the same token whose PIN
  // variable holds a wrong PIN.
  void open_with_wrong_pin() {
    const std::string var = "SSLP11_TEST_PIN_" + spec().name;
    const std::string right_conf = std::getenv("SSLP11_CONF");
    const std::string conf = test::write_provider_config(spec(), "", "wrong-pin");
    const std::string wrong = "wrong-" + coretest::hex(coretest::random_bytes(8));
    secrets_.add_text("wrong PIN", wrong);
    setenv(var.c_str(), wrong.c_str(), 1);
    setenv("SSLP11_CONF", conf.c_str(), 1);
    NCRYPT_PROV_HANDLE h = 0;
    expect_failure(SslOpenProvider(&h, nullptr, 0), "SslOpenProvider(wrong PIN)");
    if (h != 0) SslFreeObject(h, 0);
    setenv(var.c_str(), spec().user_pin.c_str(), 1);
    setenv("SSLP11_CONF", right_conf.c_str(), 1);
  }

  std::unique_ptr<ProviderHandle> provider_;
  std::string log_path_;
  SecretSet secrets_;
  std::vector<std::string> errors_;
  int schedules_ = 0;
  Bytes master_probe_;  // one known master secret, to prove the search finds things
};

TEST_P(SecretsNeverLogged, FullRunAtDebugLevel) {
  const bool softhsm = spec().name == "softhsm";
  secrets_.add_text("user PIN", spec().user_pin);
  secrets_.add_text("SO PIN", spec().so_pin);
  try {
    const auto& ecdhe = offered_suite(p(), TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
    const auto& ecdhe_cbc = offered_suite(p(), TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256);
    const auto& dhe = offered_suite(p(), TLS_DHE_RSA_WITH_AES_128_GCM_SHA256);
    const auto& rsa = offered_suite(p(), TLS_RSA_WITH_AES_128_GCM_SHA256);

    Schedule client = run_ecdhe(p(), ecdhe, coretest::p256(), /*client=*/true, /*ems=*/false);
    finish(client);
    master_probe_ = client.master_secret;
    exercise_records(client);
    exercise_master(client);

    Schedule server = run_ecdhe(p(), ecdhe_cbc, coretest::p256(), /*client=*/false, /*ems=*/true);
    finish(server);
    exercise_records(server);
    exercise_master(server);

    Schedule dhe_client = run_dhe(p(), dhe, /*client=*/true, /*ems=*/false);
    finish(dhe_client);
    exercise_records(dhe_client);

    const coretest::Pkey peer_server = coretest::rsa_generate(2048);
    Schedule rsa_client = run_rsa_client(p(), rsa, peer_server.get(), /*ems=*/false);
    finish(rsa_client);
    exercise_records(rsa_client);
    Schedule rsa_client_ems = run_rsa_client(p(), rsa, peer_server.get(), /*ems=*/true);
    finish(rsa_client_ems);

    coretest::ServerRsaKey server_key(p(), /*token_objects=*/softhsm);
    Bytes pms = coretest::random_bytes(48);
    pms[0] = 0x03;
    pms[1] = 0x03;
    Schedule rsa_server = run_rsa_server(p(), rsa, server_key, coretest::rsa_encrypt_pkcs1(
                                                                   server_key.openssl_public(), pms),
                                         &pms, /*ems=*/true);
    finish(rsa_server);
    exercise_records(rsa_server);
    exercise_master(rsa_server);
    Schedule bad = run_rsa_server(p(), rsa, server_key, coretest::random_bytes(256), nullptr, /*ems=*/false);
    finish(bad);

    // A signature with the server's key (ServerKeyExchange).
    // NCRYPT_SSL_SIGN_INCLUDE_HASHOID: the hash's name (UTF-16, NUL-terminated), then the hash.
    Bytes digest = signingtest::hashoid_value(u"SHA256", coretest::random_bytes(32));
    Bytes signature(512);
    DWORD cb = 0;
    EXPECT_EQ(SslSignHash(p(), server_key.handle(), digest.data(), static_cast<DWORD>(digest.size()), signature.data(),
                          static_cast<DWORD>(signature.size()), &cb, NCRYPT_SSL_SIGN_INCLUDE_HASHOID),
              ERROR_SUCCESS)
        << test::last_error();
    expect_failure(SslSignHash(p(), server_key.handle(), digest.data(), static_cast<DWORD>(digest.size()), signature.data(), 8, &cb,
                               NCRYPT_SSL_SIGN_INCLUDE_HASHOID),
                   "SslSignHash(short output)");

    // Bad and freed handles.
    Bytes randoms = client.randoms();
    {
      coretest::ParamList params;
      params.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, client.client_random)
          .add(NCRYPTBUFFER_SSL_SERVER_RANDOM, client.server_random);
      SslObject r, w;
      expect_failure(SslGenerateSessionKeys(p(), kBogusHandle, r.out(), w.out(), params.desc(), 0),
                     "SslGenerateSessionKeys(bogus master)");
      const NCRYPT_HANDLE freed_master = client.master.release();
      ASSERT_EQ(SslFreeObject(freed_master, 0), ERROR_SUCCESS);
      expect_failure(SslGenerateSessionKeys(p(), freed_master, r.out(), w.out(), params.desc(), 0),
                     "SslGenerateSessionKeys(freed master)");
      Bytes out(16);
      expect_failure(SslEncryptPacket(p(), kBogusHandle, randoms.data(), 16, out.data(), 16, &cb, 0,
                                      CT_APPLICATIONDATA, 0),
                     "SslEncryptPacket(bogus key)");
      expect_failure(SslEncryptPacket(kBogusHandle, client.write.get(), randoms.data(), 16, out.data(), 16, &cb, 0,
                                      CT_APPLICATIONDATA, 0),
                     "SslEncryptPacket(bogus provider)");
    }
    if (spec().login_required) open_with_wrong_pin();
  } catch (const std::exception& e) {
    FAIL() << e.what() << "\n  sslp11 says: " << test::last_error();
  }

  // Every secret, searched for in the whole log and every error text.
  const std::string log_text = read_file(log_path_);
  EXPECT_EQ(schedules_, 7);
  // The search itself works: a partial hex dump of a master secret is caught.
  EXPECT_FALSE(secrets_.find_in("x=" + hex_upper(ByteView(master_probe_).subspan(5, 8)) + ";").empty());
  if (spec().login_required) {
    EXPECT_FALSE(secrets_.find_in("pin " + spec().user_pin).empty());
  }
  EXPECT_GE(secrets_.size(), 20u);
  const auto in_log = secrets_.find_in(log_text);
  EXPECT_TRUE(in_log.empty()) << "secrets in the log " << log_path_ << ": " << describe(in_log);
  for (const auto& e : errors_) {
    const auto in_error = secrets_.find_in(e);
    EXPECT_TRUE(in_error.empty()) << "secrets in the error text '" << e << "': " << describe(in_error);
  }
  EXPECT_GE(errors_.size(), 10u);

  // The log is the one the calls above wrote, at debug level: one line per
  // call with its name and status, the failures with their reasons.
  for (const char* expected :
       {"abi: SslOpenProvider(", "abi: SslCreateEphemeralKey(", "abi: SslImportKey(", "abi: SslGenerateMasterKey(",
        "abi: SslGeneratePreMasterKey(", "abi: SslImportMasterKey(", "abi: SslGenerateSessionKeys(",
        "abi: SslEncryptPacket(", "abi: SslDecryptPacket(", "abi: SslComputeFinishedHash(",
        "abi: SslExportKeyingMaterial(", "abi: SslComputeEapKeyBlock(", "abi: SslSignHash(", "abi: SslFreeObject(",
        "-> 0x00000000 ERROR_SUCCESS", "NTE_INVALID_HANDLE", "hKey=0x", "cbInput=100, cbOutput=", "hMasterKey=0x", "NTE_BUFFER_TOO_SMALL", "provider: opened [token."}) {
    EXPECT_NE(log_text.find(expected), std::string::npos) << "the debug log lacks '" << expected << "'";
  }
  std::istringstream lines(log_text);
  std::size_t debug_lines = 0, total = 0;
  for (std::string line; std::getline(lines, line); ++total) debug_lines += line.find(" debug tid=") != std::string::npos;
  EXPECT_GE(debug_lines, 100u) << "of " << total << " lines";
  if (spec().login_required) {
    EXPECT_NE(log_text.find("SslOpenProvider(dwFlags=0x0) -> 0x80090033 NTE_INCORRECT_PASSWORD"), std::string::npos);
    EXPECT_NE(log_text.find(" info tid="), std::string::npos);
  }
  std::cout << "[secrets] token=" << spec().name << ": " << secrets_.size() << " secrets (" << schedules_
            << " key schedules), " << total << " log lines (" << debug_lines << " debug, " << log_text.size()
            << " bytes), " << errors_.size() << " error texts: none contains a secret" << std::endl;
}

INSTANTIATE_TEST_SUITE_P(Tokens, SecretsNeverLogged, ::testing::ValuesIn(TestTokens::all()), TokenName{});

}  // namespace
}  // namespace sslp11::secretstest
