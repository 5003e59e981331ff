// Every key object sslp11 creates on the token is born sensitive,
// non-extractable and a session object -- the transient ones destroyed
// within the same call included -- and stays so.
//
// The token is routed through the recording shim (support/record_shim.h): a
// PKCS#11 module in front of the real one that reads CKA_CLASS, CKA_KEY_TYPE,
// CKA_SENSITIVE, CKA_EXTRACTABLE, CKA_TOKEN and CKA_VALUE_LEN of each object
// right after the call that made it (C_CreateObject, C_GenerateKey(Pair),
// C_DeriveKey -- with the handles CKM_TLS12_KEY_AND_MAC_DERIVE returns in
// CK_SSL3_KEY_MAT_OUT -- C_UnwrapKey), and notes destroys, wraps and
// C_SetAttributeValue. Every Ssl* call is one numbered step, and after each
// the shim reads every object still alive again. On both test tokens, full
// schedules with OpenSSL as the peer: ECDHE client (GCM, EMS off) and server
// (CBC, EMS on), ChaCha20 where offered, DHE ffdhe2048 client and server,
// RSA client (SslGeneratePreMasterKey + master, and the one-call form), RSA
// server (SslImportMasterKey of a good and a bad ciphertext), each with
// session keys, a record, Finished, the exporter, every EAP selector and
// opaque blobs of the master and a session key; and SslSignHash /
// SslVerifySignature.
//
// Every CKO_SECRET_KEY / CKO_PRIVATE_KEY must have CKA_TOKEN false,
// CKA_SENSITIVE true and CKA_EXTRACTABLE false at creation and at every
// read-back, except (the allowlist, each with its own condition):
//  (1) composed path, DHE: the DH shared secret Z derived readable so that
//      sslp11 can strip its leading zeros (RFC 5246 §8.1.2) -- it must be
//      destroyed by a C_DestroyObject within the same Ssl* call;
//  (2) native path, RSA client: the pre-master made by
//      CKM_TLS_PRE_MASTER_KEY_GEN / CKM_SSL3_PRE_MASTER_KEY_GEN is
//      extractable (sensitive still) until C_WrapKey has sent it to the
//      server's key -- a C_SetAttributeValue(CKA_EXTRACTABLE false) must
//      follow the wrap in the same call, and every read-back must say false;
//  (3) the all-zero HMAC key standing in for the empty secret of the RFC 5216
//      EAP-TLS IV: public by definition, whatever its attributes (printed).
// The record keys CKM_TLS12_KEY_AND_MAC_DERIVE makes (NSS) must also be asked
// for explicitly: CKA_SENSITIVE true and CKA_EXTRACTABLE false in the
// template, not inherited from the master key.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/support/key_checks.h"
#include "core/support/server_key.h"
#include "core/support/ssl_calls.h"
#include "pkcs11/attributes.h"
#include "pkcs11/capabilities.h"
#include "pkcs11/session_pool.h"
#include "secrets/support/object_records.h"
#include "secrets/support/stepped_schedules.h"
#include "signing/support/signing_fixture.h"
#include "support/provider_env.h"
#include "support/test_tokens.h"

namespace sslp11::secretstest {
namespace {

using coretest::Bytes;
using coretest::SslObject;
using test::ProviderHandle;
using test::TestTokens;
using test::TokenName;
using test::TokenSpec;

constexpr DWORD kTls12 = TLS1_2_PROTOCOL_VERSION;

// A failure message, built with << like a gtest assertion's.
struct Msg {
  std::ostringstream o;
  template <class T>
  Msg& operator<<(const T& v) {
    o << v;
    return *this;
  }
};

bool good(const sslp11_record_attrs& a) { return a.token == 0 && a.sensitive == 1 && a.extractable == 0; }

bool is_key_and_mac(const sslp11_record_event& e) {
  return e.has_mechanism && (e.mechanism == CKM_TLS12_KEY_AND_MAC_DERIVE || e.mechanism == CKM_TLS_KEY_AND_MAC_DERIVE);
}

class ObjectAttributes : public ::testing::TestWithParam<TokenSpec> {
 protected:
  void SetUp() override {
    recorder::clear();
    step("SslOpenProvider");
    provider_ = std::make_unique<ProviderHandle>(through_recorder(GetParam()), "", "record");
    ASSERT_EQ(provider_->open_status(), ERROR_SUCCESS);
    native_ = coretest::provider_property_string(p(), SSLP11_DERIVATION_PATH_PROPERTY) == "native";
    ASSERT_EQ(native_, TestTokens::is_native(GetParam()));
    calls_ = std::make_unique<Calls>(p());
    calls_->before = [this](const std::string& name) { step(name); };
    calls_->after = [](const std::string&, SECURITY_STATUS) { recorder::readback(); };
  }
  void TearDown() override {
    calls_.reset();
    provider_.reset();
  }

  NCRYPT_PROV_HANDLE p() const { return provider_->get(); }
  Calls& c() { return *calls_; }

  void step(const std::string& name) {
    steps_.push_back(name);
    recorder::step(steps_.size() - 1);
  }
  // The test's own token objects (the RSA server key pair and certificate).
  void fixture_step(const std::string& name) {
    step("fixture: " + name);
    fixture_.insert(steps_.size() - 1);
  }

  // Everything that follows a master key: session keys, a record, Finished,
  // the exporter, each EAP selector, opaque blobs; then every object freed.
  void exercise(SteppedRun& r) {
    c().prefix = r.name + ": ";
    ASSERT_TRUE(session_keys(c(), r)) << c().failure();
    ASSERT_TRUE(record_and_finished(c(), r)) << c().failure();
    Bytes randoms = r.randoms();
    Bytes context = coretest::random_bytes(16);
    Bytes exported(48);
    char label[] = "EXPORTER-sslp11-object-attributes";
    ASSERT_TRUE(c()("SslExportKeyingMaterial", [&] {
      return SslExportKeyingMaterial(p(), r.master.get(), label, randoms.data(), static_cast<DWORD>(randoms.size()),
                                     context.data(), static_cast<WORD>(context.size()), exported.data(),
                                     static_cast<DWORD>(exported.size()), 0);
    })) << c().failure();
    for (const auto& [selector, name] :
         {std::pair{NCRYPT_SSL_EAP_ID, "EAP-TLS"}, std::pair{NCRYPT_SSL_EAP_TTLSV0_ID, "TTLSv0"},
          std::pair{NCRYPT_SSL_EAP_TTLSV0_CHLNG_ID, "TTLSv0 challenge"},
          std::pair{NCRYPT_SSL_EAP_FAST_ID, "EAP-FAST"}}) {
      DWORD size = 0;
      const std::string call = std::string("SslComputeEapKeyBlock(") + name + ")";
      ASSERT_TRUE(c()(call + " size", [&] {
        return SslComputeEapKeyBlock(p(), r.master.get(), randoms.data(), 64, nullptr, 0, &size, selector);
      })) << c().failure();
      Bytes eap(size);
      ASSERT_TRUE(c()(call, [&] {
        return SslComputeEapKeyBlock(p(), r.master.get(), randoms.data(), 64, eap.data(), size, &size, selector);
      })) << c().failure();
    }
    for (const auto& [key, name] : {std::pair{r.master.get(), "master"}, std::pair{r.write.get(), "write key"}}) {
      DWORD cb = 0;
      const std::string what = std::string("(opaque ") + name + ")";
      ASSERT_TRUE(c()("SslExportKey" + what + " size", [&, key = key] {
        return SslExportKey(p(), key, BCRYPT_OPAQUE_KEY_BLOB, nullptr, 0, &cb, 0);
      })) << c().failure();
      Bytes blob(cb);
      ASSERT_TRUE(c()("SslExportKey" + what, [&, key = key] {
        return SslExportKey(p(), key, BCRYPT_OPAQUE_KEY_BLOB, blob.data(), cb, &cb, 0);
      })) << c().failure();
      SslObject imported;
      ASSERT_TRUE(c()("SslImportKey" + what, [&] {
        return SslImportKey(p(), imported.out(), BCRYPT_OPAQUE_KEY_BLOB, blob.data(), cb, 0);
      })) << c().failure();
      const NCRYPT_HANDLE h = imported.release();
      c().unchecked("SslFreeObject" + what, [h] { return SslFreeObject(h, 0); });
    }
    r.free_all(&c());
    c().prefix.clear();
  }

  // The suite, or a skip when this token's provider does not offer it.
  const coretest::SuiteFacts* suite(DWORD id) {
    const auto* s = suite_if_offered(p(), id);
    if (s == nullptr) ADD_FAILURE() << "suite 0x" << std::hex << id << " is not offered";
    return s;
  }

  void ecdhe_schedule(const std::string& name, DWORD suite_id, bool client, bool ems) {
    const auto* s = suite(suite_id);
    ASSERT_NE(s, nullptr);
    SteppedRun r = start_run(name, Exchange::ecdhe, *s, client, ems);
    c().prefix = name + ": ";
    ASSERT_TRUE(ecdhe(c(), r, coretest::p256())) << c().failure();
    exercise(r);
  }

  void dhe_schedule(const std::string& name, bool client, bool ems) {
    const auto* s = suite(TLS_DHE_RSA_WITH_AES_128_GCM_SHA256);
    ASSERT_NE(s, nullptr);
    SteppedRun r = start_run(name, Exchange::dhe, *s, client, ems);
    c().prefix = name + ": ";
    ASSERT_TRUE(dhe(c(), r)) << c().failure();
    exercise(r);
  }

  // ---- The verdict ----

  struct Tally {
    int checked = 0;         // secret and private keys made
    int readbacks = 0;       // their read-backs
    int dh_z = 0;            // allowlist (1)
    int wrapped_pms = 0;     // allowlist (2)
    int zero_hmac_keys = 0;  // allowlist (3)
    int key_and_mac = 0;     // made by CKM_TLS12_KEY_AND_MAC_DERIVE
    std::vector<std::string> failures;
  };

  std::string where(const sslp11_record_event& e) const {
    const std::string s = e.step < steps_.size() ? steps_[e.step] : "step " + std::to_string(e.step);
    return s + ": " + describe_origin(e);
  }

  // Checks every event recorded since SetUp; prints what was made.
  Tally collect() {
    Tally t;
    auto fail = [&t](const Msg& m) { t.failures.push_back(m.o.str()); };
    const auto events = recorder::events();
    std::map<CK_OBJECT_HANDLE, const ObjectEvent*> creation;  // the latest creation of a handle
    auto later = [&](const ObjectEvent& from, int kind, auto&& also) -> const ObjectEvent* {
      for (const auto& e : events) {
        if (e.seq > from.seq && e.kind == kind && e.handle == from.handle && e.step == from.step && also(e)) return &e;
      }
      return nullptr;
    };
    const auto any = [](const ObjectEvent&) { return true; };
    auto later_any_step = [&](const ObjectEvent& from, int kind) -> const ObjectEvent* {
      for (const auto& e : events) {
        if (e.seq > from.seq && e.kind == kind && e.handle == from.handle) return &e;
      }
      return nullptr;
    };
    std::set<CK_OBJECT_HANDLE> fixture_objects;
    for (const auto& e : events) {
      if (fixture_.count(e.step) != 0) {
        if (e.is(SSLP11_RECORD_CREATED)) fixture_objects.insert(e.handle);
        continue;
      }
      if (e.is(SSLP11_RECORD_READBACK) && fixture_objects.count(e.handle) != 0) continue;
      if (e.is(SSLP11_RECORD_CREATED)) {
        creation[e.handle] = &e;
        std::cout << "[objects] " << GetParam().name << " " << where(e) << ": " << describe_attrs(e.attrs)
                  << (e.value_all_zero ? " (value all zero)" : "") << std::endl;
        if (!e.attrs.has_cls) {
          fail(Msg() << where(e) << ": CKA_CLASS unreadable (" << p11::rv_name(e.read_rv) << ")");
        }
        if (!e.secret_or_private()) continue;
        ++t.checked;
        if (is_key_and_mac(e)) {
          ++t.key_and_mac;
          if (e.t_sensitive != 1 || e.t_extractable != 0) {
            fail(Msg() << where(e)
                       << ": the template does not state CKA_SENSITIVE true and CKA_EXTRACTABLE false (stated: "
                       << "sensitive=" << e.t_sensitive << " extractable=" << e.t_extractable
                       << ", -1 = absent, left to inheritance from the master key); made: " << describe_attrs(e.attrs));
          }
        }
        if (good(e.attrs)) continue;
        const bool dh_z = !native_ && std::string(e.function) == "C_DeriveKey" && e.has_mechanism &&
                          e.mechanism == CKM_DH_PKCS_DERIVE && e.attrs.token == 0;
        const bool pre_master_gen =
            native_ && std::string(e.function) == "C_GenerateKey" && e.has_mechanism &&
            (e.mechanism == CKM_TLS_PRE_MASTER_KEY_GEN || e.mechanism == CKM_SSL3_PRE_MASTER_KEY_GEN) &&
            e.attrs.token == 0 && e.attrs.sensitive == 1;
        const bool zero_key = std::string(e.function) == "C_CreateObject" && e.value_all_zero == 1 &&
                              steps_[e.step].find("SslComputeEapKeyBlock(EAP-TLS)") != std::string::npos;
        if (dh_z) {
          ++t.dh_z;
          if (later(e, SSLP11_RECORD_DESTROYED, any) == nullptr) {
            fail(Msg() << where(e) << ": the readable DH shared secret (" << describe_attrs(e.attrs)
                       << ") is not destroyed before the call returns");
          }
        } else if (pre_master_gen) {
          ++t.wrapped_pms;
          const ObjectEvent* wrap = later(e, SSLP11_RECORD_WRAPPED, any);
          if (wrap == nullptr) {
            fail(Msg() << where(e) << ": an extractable pre-master that is never wrapped");
          } else if (later(*wrap, SSLP11_RECORD_SET, [](const ObjectEvent& x) { return x.t_extractable == 0; }) ==
                     nullptr) {
            fail(Msg() << where(e)
                       << ": no C_SetAttributeValue(CKA_EXTRACTABLE false) after C_WrapKey in the "
                          "same call");
          }
          // ... and either destroyed within the call (the one-call
          // SslGenerateMasterKey) or read back after it: every read-back is
          // checked below like any other key's (extractable must be 0 by then).
          if (later(e, SSLP11_RECORD_DESTROYED, any) == nullptr &&
              later_any_step(e, SSLP11_RECORD_READBACK) == nullptr) {
            fail(Msg() << where(e) << ": the generated pre-master outlives the call but was never read back");
          }
        } else if (zero_key) {
          ++t.zero_hmac_keys;
        } else {
          fail(Msg() << where(e) << " made a key that is not a sensitive, non-extractable session object: "
                     << describe_attrs(e.attrs) << " (template: sensitive=" << e.t_sensitive
                     << " extractable=" << e.t_extractable << " token=" << e.t_token << ")");
        }
      } else if (e.is(SSLP11_RECORD_READBACK)) {
        if (!e.secret_or_private()) continue;
        ++t.readbacks;
        if (good(e.attrs)) continue;
        const auto made = creation.find(e.handle);
        if (made != creation.end() && made->second->value_all_zero == 1) continue;  // (3)
        fail(Msg() << "after " << where(e) << " (made by "
                   << (made != creation.end() ? where(*made->second) : std::string("?"))
                   << "): a live key that is not a sensitive, non-extractable session object: "
                   << describe_attrs(e.attrs));
      } else if (e.is(SSLP11_RECORD_SET) && (e.t_sensitive == 0 || e.t_extractable == 1)) {
        fail(Msg() << where(e) << " relaxes a key: sensitive=" << e.t_sensitive << " extractable=" << e.t_extractable);
      }
    }
    // The zero HMAC key, as the brief asks: what it is.
    for (const auto& e : events) {
      if (e.is(SSLP11_RECORD_CREATED) && e.value_all_zero == 1) {
        std::cout << "[objects] " << GetParam().name << " RFC 5216 IV's all-zero HMAC key: " << describe_attrs(e.attrs)
                  << ", " << (later(e, SSLP11_RECORD_DESTROYED, any) != nullptr ? "destroyed" : "NOT destroyed")
                  << " within " << steps_[e.step] << std::endl;
      }
    }
    std::cout << "[objects] " << GetParam().name << ": " << steps_.size() << " steps, " << events.size() << " events, "
              << t.checked << " secret/private keys made, " << t.readbacks << " read-backs; allowlisted: " << t.dh_z
              << " DH Z, " << t.wrapped_pms << " wrapped pre-master, " << t.zero_hmac_keys << " zero HMAC key; "
              << t.key_and_mac << " by KEY_AND_MAC_DERIVE" << std::endl;
    return t;
  }

  // collect(), every failure reported.
  Tally verify() {
    Tally t = collect();
    for (const auto& f : t.failures) ADD_FAILURE() << f;
    return t;
  }

  std::unique_ptr<ProviderHandle> provider_;
  std::unique_ptr<Calls> calls_;
  std::vector<std::string> steps_;
  std::set<unsigned long> fixture_;
  bool native_ = false;
};

TEST_P(ObjectAttributes, EcdheClientGcm) {
  ecdhe_schedule("ecdhe-client-gcm", TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, /*client=*/true, /*ems=*/false);
  const Tally t = verify();
  EXPECT_GE(t.checked, 3);
  if (native_) {
    EXPECT_GE(t.key_and_mac, 2);
  }
}

TEST_P(ObjectAttributes, EcdheServerCbcEms) {
  ecdhe_schedule("ecdhe-server-cbc-ems", TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, /*client=*/false, /*ems=*/true);
  const Tally t = verify();
  EXPECT_GE(t.checked, 5);  // ephemeral, pre-master, master, 2 MAC keys, 2 write keys
  if (native_) {
    EXPECT_GE(t.key_and_mac, 4);
  }
}

TEST_P(ObjectAttributes, EcdheClientChaCha20) {
  const auto* s = suite_if_offered(p(), TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256);
  if (s == nullptr) GTEST_SKIP() << "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 is not offered on this token";
  ecdhe_schedule("ecdhe-client-chacha20", s->id, /*client=*/true, /*ems=*/false);
  const Tally t = verify();
  EXPECT_GE(t.checked, 3);
}

TEST_P(ObjectAttributes, DheClient) {
  dhe_schedule("dhe-client", /*client=*/true, /*ems=*/false);
  const Tally t = verify();
  if (!native_) {
    EXPECT_EQ(t.dh_z, 1) << "the composed path's readable Z was not seen";
  }
  EXPECT_GE(t.checked, 3);
}

TEST_P(ObjectAttributes, DheServerEms) {
  dhe_schedule("dhe-server-ems", /*client=*/false, /*ems=*/true);
  const Tally t = verify();
  if (!native_) {
    EXPECT_EQ(t.dh_z, 1) << "the composed path's readable Z was not seen";
  }
}

TEST_P(ObjectAttributes, RsaClient) {
  const auto* s = suite(TLS_RSA_WITH_AES_128_GCM_SHA256);
  ASSERT_NE(s, nullptr);
  const coretest::Pkey peer_server = coretest::rsa_generate(2048);
  {
    SteppedRun r = start_run("rsa-client-pre-master-ems", Exchange::rsa_client, *s, true, /*ems=*/true);
    c().prefix = r.name + ": ";
    ASSERT_TRUE(rsa_client(c(), r, peer_server.get(), /*via_pre_master=*/true)) << c().failure();
    exercise(r);
  }
  {
    SteppedRun r = start_run("rsa-client-one-call", Exchange::rsa_client, *s, true, /*ems=*/false);
    c().prefix = r.name + ": ";
    ASSERT_TRUE(rsa_client(c(), r, peer_server.get(), /*via_pre_master=*/false)) << c().failure();
    exercise(r);
  }
  const Tally t = verify();
  std::cout << "[objects] " << GetParam().name << ": the RSA client's pre-master was "
            << (t.wrapped_pms > 0 ? "generated and wrapped by the token" : "made by C_CreateObject") << std::endl;
  // Allowlist (2): after the schedule the generated pre-master must have said
  // extractable=false at every read-back -- verify() checks each of them.
  EXPECT_GE(t.readbacks, 1);
}

TEST_P(ObjectAttributes, RsaServer) {
  const auto* s = suite(TLS_RSA_WITH_AES_128_GCM_SHA256);
  ASSERT_NE(s, nullptr);
  fixture_step("ServerRsaKey");
  auto server = std::make_unique<coretest::ServerRsaKey>(p(), /*token_objects=*/!native_);
  Bytes pms = coretest::random_bytes(48);
  pms[0] = 0x03;
  pms[1] = 0x03;
  const Bytes good_ciphertext = coretest::rsa_encrypt_pkcs1(server->openssl_public(), pms);
  {
    SteppedRun r = start_run("rsa-server", Exchange::rsa_server, *s, false, /*ems=*/true);
    c().prefix = r.name + ": ";
    ASSERT_TRUE(rsa_server(c(), r, *server, good_ciphertext, &pms)) << c().failure();
    exercise(r);
  }
  {
    SteppedRun r = start_run("rsa-server-bad-ciphertext", Exchange::rsa_server, *s, false, /*ems=*/false);
    c().prefix = r.name + ": ";
    ASSERT_TRUE(rsa_server(c(), r, *server, coretest::random_bytes(good_ciphertext.size()), nullptr)) << c().failure();
    exercise(r);
  }
  fixture_step("~ServerRsaKey");
  server.reset();
  const Tally t = verify();
  EXPECT_GE(t.checked, 6);
}

TEST_P(ObjectAttributes, SigningWithTheServerKey) {
  fixture_step("ServerRsaKey");
  auto server = std::make_unique<coretest::ServerRsaKey>(p(), /*token_objects=*/!native_);
  // NCRYPT_SSL_SIGN_INCLUDE_HASHOID: the hash's name (UTF-16, NUL-terminated), then the hash.
  Bytes digest = signingtest::hashoid_value(u"SHA256", coretest::random_bytes(32));
  Bytes signature(512);
  DWORD cb = 0;
  c().prefix = "signing: ";
  ASSERT_TRUE(c()("SslSignHash", [&] {
    return SslSignHash(p(), server->handle(), digest.data(), static_cast<DWORD>(digest.size()), signature.data(),
                       static_cast<DWORD>(signature.size()), &cb, NCRYPT_SSL_SIGN_INCLUDE_HASHOID);
  })) << c().failure();
  ASSERT_TRUE(c()("SslVerifySignature", [&] {
    return SslVerifySignature(p(), server->handle(), digest.data(), static_cast<DWORD>(digest.size()), signature.data(),
                              cb, NCRYPT_SSL_SIGN_INCLUDE_HASHOID);
  })) << c().failure();
  fixture_step("~ServerRsaKey");
  server.reset();
  verify();
}

// The checker itself: a readable secret made in a step of its own must be
// reported, naming the step, the creating call and the attributes, both when
// made and at the read-back after the step; so a silent checker cannot pass.
TEST_P(ObjectAttributes, CheckerReportsAReadableKey) {
  c().prefix = "control: ";
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  c()("a readable secret", [&] {
    coretest::pool_of(p())->run([&](p11::Lease& lease) {
      p11::AttributeTemplate t;
      const Bytes value = coretest::random_bytes(32);
      t.add_ulong(CKA_CLASS, CKO_SECRET_KEY)
          .add_ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET)
          .add_bool(CKA_TOKEN, false)
          .add_bool(CKA_SENSITIVE, false)
          .add_bool(CKA_EXTRACTABLE, true)
          .add_bytes(CKA_VALUE, value);
      h = lease.api().C_CreateObject(lease.handle(), t.span());
      return 0;
    });
    return ERROR_SUCCESS;
  });
  c()("destroying it", [&] {
    coretest::pool_of(p())->run([&](p11::Lease& lease) {
      lease.api().C_DestroyObject(lease.handle(), h);
      return 0;
    });
    return ERROR_SUCCESS;
  });
  const Tally t = collect();
  ASSERT_EQ(t.failures.size(), 2u) << ::testing::PrintToString(t.failures);
  EXPECT_NE(t.failures[0].find("control: a readable secret: C_CreateObject handle"), std::string::npos)
      << t.failures[0];
  EXPECT_NE(t.failures[0].find("sensitive=0 extractable=1"), std::string::npos) << t.failures[0];
  EXPECT_NE(t.failures[1].find("after control: a readable secret"), std::string::npos) << t.failures[1];
}

INSTANTIATE_TEST_SUITE_P(Tokens, ObjectAttributes, ::testing::ValuesIn(TestTokens::all()), TokenName{});

}  // namespace
}  // namespace sslp11::secretstest
