// What the TLS 1.3 key schedule (src/core/tls13_schedule.cpp) refuses, on
// both test tokens: the composed path under derivation = native-only, a
// protocol or suite that is not TLS 1.3's, a PSK of another hash, a secret of
// the wrong kind for a step, transcripts, verify_data and exporter requests
// of the wrong size, and exporter labels. Each refusal is a core::Error with
// the fault the C boundary will translate, and a reason in words.
#include <gtest/gtest.h>

#include <functional>
#include <iostream>
#include <string>

#include "core/error.h"
#include "core/tls13_schedule.h"
#include "core/tls13_templates.h"
#include "support/oracle/bytes.h"
#include "tls13/support/tls13_fixture.h"

namespace sslp11::tls13test {
namespace {

using namespace ::sslp11::oracle;

// The fault and message of what `f` throws; fails the test when it returns.
std::pair<core::Fault, std::string> refusal(const std::function<void()>& f, const char* what) {
  try {
    f();
  } catch (const core::Error& e) {
    return {e.fault(), e.what()};
  }
  ADD_FAILURE() << what << ": not refused";
  return {core::Fault::internal, ""};
}

#define EXPECT_REFUSED(expr, fault)                                                       \
  do {                                                                                    \
    const auto r = refusal([&] { (void)(expr); }, #expr);                                 \
    EXPECT_EQ(r.first, fault) << #expr << ": " << r.second;                               \
    EXPECT_FALSE(r.second.empty()) << #expr;                                              \
  } while (0)

class Tls13Refusals : public Tls13OnToken {};

TEST_P(Tls13Refusals, TheTokensTls13PathIsTheExpectedOne) {
  EXPECT_EQ(caps().tls13_derivation_path(), expected_path());
  const auto evidence = caps().evidence();
  ASSERT_GE(evidence.size(), 2u);
  EXPECT_EQ(evidence[1], "TLS 1.3 derivation path: " + spec().expected_path);
  EXPECT_EQ(caps().has(p11::Feature::HkdfData), expected_path() == p11::DerivationPath::native);
}

TEST_P(Tls13Refusals, NativeOnlyPolicyRefusesTheComposedPath) {
  const auto make = [&] {
    core::Tls13Schedule s(pool(), caps(), core::DerivationPolicy::native_only);
    return s.path();
  };
  const core::Tls13Suite& suite = *core::find_tls13_suite(0x1301);
  const auto why = core::tls13_suite_unavailable_reason(suite, caps(), core::DerivationPolicy::native_only);
  if (expected_path() == p11::DerivationPath::composed) {
    const auto r = refusal(make, "a native-only TLS 1.3 schedule on a composed token");
    EXPECT_EQ(r.first, core::Fault::not_supported);
    EXPECT_NE(r.second.find("native-only"), std::string::npos) << r.second;
    EXPECT_NE(r.second.find("CKM_HKDF_DERIVE"), std::string::npos) << r.second;
    ASSERT_TRUE(why.has_value());
    EXPECT_NE(why->find("native-only"), std::string::npos) << *why;
    std::cout << "[tls13] token=" << spec().name << " native-only: " << r.second << std::endl;
  } else {
    EXPECT_EQ(make(), p11::DerivationPath::native);
    EXPECT_FALSE(why.has_value()) << *why;
  }
}

TEST_P(Tls13Refusals, ProtocolsAndSuitesThatAreNotTls13s) {
  core::Tls13Schedule& s = schedule();
  EXPECT_REFUSED(s.suite(0x0303, 0x1301), core::Fault::invalid_parameter);
  EXPECT_REFUSED(s.suite(core::kTls13Version, 0xC02F), core::Fault::invalid_parameter);  // a TLS 1.2 suite
  EXPECT_REFUSED(s.suite(core::kTls13Version, 0x1304), core::Fault::invalid_parameter);  // TLS_AES_128_CCM_SHA256
  if (!caps().has(p11::Feature::ChaCha20Poly1305)) {
    EXPECT_REFUSED(s.suite(core::kTls13Version, 0x1303), core::Fault::not_supported);
  }
}

TEST_P(Tls13Refusals, SecretsOfTheWrongKindOrSuite) {
  core::Tls13Schedule& s = schedule();
  const core::Tls13Suite& sha256 = s.suite(core::kTls13Version, 0x1301);
  const core::Tls13Suite& sha384 = s.suite(core::kTls13Version, 0x1302);
  const Bytes th(32, 0x11), th384(48, 0x11);

  const core::Tls13Secret early = s.early_secret(sha256, nullptr);
  const p11::Object z = shared_secret(Bytes(32, 0x42));
  const core::Tls13Secret hs = s.handshake_secret(early, z, 32);
  const core::Tls13Secret master = s.master_secret(hs);
  const core::Tls13Secret c_hs = s.traffic_secret(hs, core::Tls13Side::client, th);
  const core::Tls13Secret res = s.resumption_master(master, th);

  // A PSK keys only suites of its own hash (RFC 8446 §4.2.11).
  const core::Tls13Secret psk256 = s.pre_shared_key(res, Bytes{0, 1});
  EXPECT_REFUSED(s.early_secret(sha384, &psk256), core::Fault::invalid_parameter);
  EXPECT_REFUSED(s.early_secret(sha256, &master), core::Fault::invalid_parameter);

  EXPECT_REFUSED(s.handshake_secret(master, z, 32), core::Fault::invalid_parameter);
  EXPECT_REFUSED(s.handshake_secret(early, p11::Object(), 32), core::Fault::invalid_parameter);
  EXPECT_REFUSED(s.master_secret(early), core::Fault::invalid_parameter);
  EXPECT_REFUSED(s.traffic_secret(early, core::Tls13Side::server, th), core::Fault::invalid_parameter);
  EXPECT_REFUSED(s.traffic_secret(c_hs, core::Tls13Side::client, th), core::Fault::invalid_parameter);
  EXPECT_REFUSED(s.exporter_master(hs, th), core::Fault::invalid_parameter);
  EXPECT_REFUSED(s.resumption_master(hs, th), core::Fault::invalid_parameter);
  EXPECT_REFUSED(s.binder_key(master, core::Tls13Binder::external), core::Fault::invalid_parameter);
  EXPECT_REFUSED(s.pre_shared_key(master, Bytes{0}), core::Fault::invalid_parameter);
  EXPECT_REFUSED(s.next_traffic_secret(c_hs), core::Fault::invalid_parameter);  // KeyUpdate is for application secrets
  EXPECT_REFUSED(s.write_key(master), core::Fault::invalid_parameter);
  Bytes verify(32);
  EXPECT_REFUSED(s.finished(master, th, verify), core::Fault::invalid_parameter);
  EXPECT_REFUSED(s.write_key(core::Tls13Secret{}), core::Fault::invalid_parameter);  // empty

  // Transcript hashes and verify_data of the suite's hash length only.
  EXPECT_REFUSED(s.traffic_secret(hs, core::Tls13Side::client, th384), core::Fault::invalid_parameter);
  EXPECT_REFUSED(s.traffic_secret(hs, core::Tls13Side::client, Bytes{}), core::Fault::invalid_parameter);
  EXPECT_REFUSED(s.finished(c_hs, th384, verify), core::Fault::invalid_parameter);
  Bytes short_verify(12);
  EXPECT_REFUSED(s.finished(c_hs, th, short_verify), core::Fault::invalid_parameter);

  // A ticket nonce longer than HkdfLabel's context can carry.
  EXPECT_REFUSED(s.pre_shared_key(res, Bytes(256, 0)), core::Fault::invalid_parameter);
}

TEST_P(Tls13Refusals, ExporterLabelsAndLengths) {
  core::Tls13Schedule& s = schedule();
  const core::Tls13Suite& suite = s.suite(core::kTls13Version, 0x1301);
  const Bytes th(32, 0x22);
  const core::Tls13Secret early = s.early_secret(suite, nullptr);
  const p11::Object z = shared_secret(Bytes(32, 0x43));
  const core::Tls13Secret master = s.master_secret(s.handshake_secret(early, z, 32));
  const core::Tls13Secret exp = s.exporter_master(master, th);
  Bytes out(32);
  EXPECT_REFUSED(s.export_keying_material(exp, "", {}, out), core::Fault::invalid_parameter);
  EXPECT_REFUSED(s.export_keying_material(exp, "bad\nlabel", {}, out), core::Fault::invalid_parameter);
  EXPECT_REFUSED(s.export_keying_material(exp, std::string(250, 'a'), {}, out), core::Fault::invalid_parameter);
  EXPECT_REFUSED(s.export_keying_material(master, "EXPORTER-x", {}, out), core::Fault::invalid_parameter);
  Bytes none;
  EXPECT_REFUSED(s.export_keying_material(exp, "EXPORTER-x", {}, none), core::Fault::invalid_parameter);
  Bytes too_long(255 * 32 + 1);
  EXPECT_REFUSED(s.export_keying_material(exp, "EXPORTER-x", {}, too_long), core::Fault::invalid_parameter);
  Bytes longest(255 * 32);
  s.export_keying_material(exp, "EXPORTER-x", Bytes(1000, 7), longest);  // HKDF's limit itself; any context
}

// The composed path reads the PSK it extracts from; a PSK made sensitive
// (as the native path makes it) is refused with the reason, not misused.
class Tls13ComposedRefusals : public Tls13OnToken {};

TEST_P(Tls13ComposedRefusals, APskItCannotRead) {
  ASSERT_EQ(schedule().path(), p11::DerivationPath::composed);
  core::Tls13Schedule& s = schedule();
  const core::Tls13Suite& suite = s.suite(core::kTls13Version, 0x1301);
  const Bytes value(32, 0x5a);
  core::Tls13Secret psk{&suite, core::Tls13SecretKind::psk, p11::DerivationPath::composed,
                        pool()->run([&](p11::Lease& l) {
                          auto t = core::tls13_templates::created(p11::DerivationPath::native, core::tls13_templates::Use::ikm,
                                                                  CKK_GENERIC_SECRET, value);
                          return p11::Object(pool(), l, l.api().C_CreateObject(l.handle(), t.span()));
                        })};
  EXPECT_REFUSED(s.early_secret(suite, &psk), core::Fault::wrong_key);
}

INSTANTIATE_TEST_SUITE_P(Tokens, Tls13Refusals, ::testing::ValuesIn(test::TestTokens::all()), test::TokenName{});
// Only composed tokens read a PSK (the native path never does).
INSTANTIATE_TEST_SUITE_P(Tokens, Tls13ComposedRefusals,
                         ::testing::ValuesIn(test::TestTokens::where([](const test::TokenSpec& t) {
                           return !test::TestTokens::is_native(t);
                         })),
                         test::TokenName{});

}  // namespace
}  // namespace sslp11::tls13test
