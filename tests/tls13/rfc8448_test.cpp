// RFC 8448 §3 (Simple 1-RTT Handshake) and §4 (Resumed 0-RTT Handshake),
// TLS_AES_128_GCM_SHA256, through sslp11's TLS 1.3 key schedule
// (src/core/tls13_schedule.cpp) on both test tokens: SoftHSMv2 on the
// composed path, NSS softoken on the native one.
//  * The trace's x25519 shared secret and transcript hashes go in; the
//    trace's secrets, write keys, IVs, verify_data, resumption master and
//    ticket PSK must come out. Secrets stay on the token and are compared
//    through a probe (tests/tls13/support/tls13_fixture.h); IVs and
//    verify_data leave the token and are compared as bytes; write keys are
//    compared by an AES-GCM encryption.
//  * Every value copied from the RFC is first recomputed with OpenSSL's
//    TLS13-KDF (tests/support/oracle/tls13_kdf.h), so a typo here fails on
//    its own and not as a token bug.
#include <gtest/gtest.h>

#include <iostream>

#include "core/tls13_schedule.h"
#include "pkcs11/attributes.h"
#include "support/oracle/digests.h"
#include "support/oracle/tls13_kdf.h"
#include "tls13/support/tls13_fixture.h"

namespace sslp11::tls13test {
namespace {

using namespace ::sslp11::oracle;

// RFC 8448 §3, in trace order.
struct Trace {
  Bytes shared = from_hex("8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d");
  Bytes hello_hash = from_hex("860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8");     // CH..SH
  Bytes server_cv_hash = from_hex("edb7725fa7a3473b031ec8ef65a2485493900138a2b91291407d7951a06110ed");  // CH..CV
  Bytes server_fin_hash = from_hex("9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13"); // CH..SF
  Bytes client_fin_hash = from_hex("209145a96ee8e2a122ff810047cc952684658d6049e86429426db87c54ad143d"); // CH..CF
  Bytes early = from_hex("33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a");
  Bytes handshake = from_hex("1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac");
  Bytes c_hs = from_hex("b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21");
  Bytes s_hs = from_hex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38");
  Bytes c_hs_key = from_hex("dbfaa693d1762c5b666af5d950258d01");
  Bytes c_hs_iv = from_hex("5bd3c71b836e0b76bb73265f");
  Bytes s_hs_key = from_hex("3fce516009c21727d0f2e4e86ee403bc");
  Bytes s_hs_iv = from_hex("5d313eb2671276ee13000b30");
  Bytes server_verify = from_hex("9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718");
  Bytes client_verify = from_hex("a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61");
  Bytes master = from_hex("18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919");
  Bytes c_ap = from_hex("9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5");
  Bytes s_ap = from_hex("a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643");
  Bytes c_ap_key = from_hex("17422dda596ed5d9acd890e3c63f5051");
  Bytes c_ap_iv = from_hex("5b78923dee08579033e523d9");
  Bytes s_ap_key = from_hex("9f02283b6c9c07efc26bb9f2ac92e356");
  Bytes s_ap_iv = from_hex("cf782b88dd83549aadf1e984");
  Bytes exporter_master = from_hex("fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50");
  Bytes resumption_master = from_hex("7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c");
  Bytes ticket_nonce = from_hex("0000");
  Bytes psk = from_hex("4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3");
  // §4: the resumed handshake's early secret and PSK binder.
  Bytes resumed_early = from_hex("9b2188e9b2fc6d64d71dc329900e20bb41915000f678aa839cbb797cb7d8332c");
  Bytes binder_key = from_hex("69fe131a3bbad5d63c64eebcc30e395b9d8107726a13d074e389dbc8a4e47256");
  Bytes binder_hash = from_hex("63224b2e4573f2d3454ca84b9d009a04f6be9e05711a8396473aefa01e924a14");
  Bytes binder = from_hex("3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d");
};

const SuiteFacts& aes128() { return *find_tls13_suite_facts(0x1301); }

TEST(Rfc8448, OpenSslReproducesTheTrace) {
  const Trace t;
  const Hash h = Hash::sha256;
  EXPECT_EQ(hex(tls13_extract(h, std::nullopt, std::nullopt)), hex(t.early));
  EXPECT_EQ(hex(tls13_extract(h, t.early, t.shared)), hex(t.handshake));
  EXPECT_EQ(hex(tls13_derive_secret(h, t.handshake, "c hs traffic", t.hello_hash)), hex(t.c_hs));
  EXPECT_EQ(hex(tls13_derive_secret(h, t.handshake, "s hs traffic", t.hello_hash)), hex(t.s_hs));
  EXPECT_EQ(hex(tls13_expand_label(h, t.c_hs, "key", {}, 16)), hex(t.c_hs_key));
  EXPECT_EQ(hex(tls13_expand_label(h, t.c_hs, "iv", {}, 12)), hex(t.c_hs_iv));
  EXPECT_EQ(hex(tls13_expand_label(h, t.s_hs, "key", {}, 16)), hex(t.s_hs_key));
  EXPECT_EQ(hex(tls13_expand_label(h, t.s_hs, "iv", {}, 12)), hex(t.s_hs_iv));
  EXPECT_EQ(hex(tls13_finished(h, t.s_hs, t.server_cv_hash)), hex(t.server_verify));
  EXPECT_EQ(hex(tls13_finished(h, t.c_hs, t.server_fin_hash)), hex(t.client_verify));
  EXPECT_EQ(hex(tls13_extract(h, t.handshake, std::nullopt)), hex(t.master));
  EXPECT_EQ(hex(tls13_derive_secret(h, t.master, "c ap traffic", t.server_fin_hash)), hex(t.c_ap));
  EXPECT_EQ(hex(tls13_derive_secret(h, t.master, "s ap traffic", t.server_fin_hash)), hex(t.s_ap));
  EXPECT_EQ(hex(tls13_expand_label(h, t.c_ap, "key", {}, 16)), hex(t.c_ap_key));
  EXPECT_EQ(hex(tls13_expand_label(h, t.c_ap, "iv", {}, 12)), hex(t.c_ap_iv));
  EXPECT_EQ(hex(tls13_expand_label(h, t.s_ap, "key", {}, 16)), hex(t.s_ap_key));
  EXPECT_EQ(hex(tls13_expand_label(h, t.s_ap, "iv", {}, 12)), hex(t.s_ap_iv));
  EXPECT_EQ(hex(tls13_derive_secret(h, t.master, "exp master", t.server_fin_hash)), hex(t.exporter_master));
  EXPECT_EQ(hex(tls13_derive_secret(h, t.master, "res master", t.client_fin_hash)), hex(t.resumption_master));
  EXPECT_EQ(hex(tls13_expand_label(h, t.resumption_master, "resumption", t.ticket_nonce, 32)), hex(t.psk));
  EXPECT_EQ(hex(tls13_extract(h, std::nullopt, t.psk)), hex(t.resumed_early));
  EXPECT_EQ(hex(tls13_derive_secret(h, t.resumed_early, "res binder", digest(h, {}))), hex(t.binder_key));
  EXPECT_EQ(hex(tls13_finished(h, t.binder_key, t.binder_hash)), hex(t.binder));
}

class Rfc8448OnToken : public Tls13OnToken {};

TEST_P(Rfc8448OnToken, SimpleOneRttHandshake) {
  const Trace t;
  const SuiteFacts& facts = aes128();
  core::Tls13Schedule& s = schedule();
  ASSERT_EQ(s.path(), expected_path()) << "TLS 1.3 path of " << spec().name;
  const core::Tls13Suite& suite = s.suite(core::kTls13Version, 0x1301);

  const core::Tls13Secret early = s.early_secret(suite, nullptr);
  EXPECT_TRUE(secret_matches(early, facts, t.early));

  const p11::Object shared = shared_secret(t.shared);
  const core::Tls13Secret hs = s.handshake_secret(early, shared, t.shared.size());
  EXPECT_TRUE(secret_matches(hs, facts, t.handshake));

  const core::Tls13Secret c_hs = s.traffic_secret(hs, core::Tls13Side::client, t.hello_hash);
  const core::Tls13Secret s_hs = s.traffic_secret(hs, core::Tls13Side::server, t.hello_hash);
  EXPECT_TRUE(secret_matches(c_hs, facts, t.c_hs));
  EXPECT_TRUE(secret_matches(s_hs, facts, t.s_hs));
  EXPECT_TRUE(write_key_matches(s.write_key(c_hs), facts, t.c_hs_key, t.c_hs_iv));
  EXPECT_TRUE(write_key_matches(s.write_key(s_hs), facts, t.s_hs_key, t.s_hs_iv));

  Bytes verify(32);
  s.finished(s_hs, t.server_cv_hash, verify);
  EXPECT_EQ(hex(verify), hex(t.server_verify)) << "server Finished";
  s.finished(c_hs, t.server_fin_hash, verify);
  EXPECT_EQ(hex(verify), hex(t.client_verify)) << "client Finished";

  const core::Tls13Secret master = s.master_secret(hs);
  EXPECT_TRUE(secret_matches(master, facts, t.master));
  const core::Tls13Secret c_ap = s.traffic_secret(master, core::Tls13Side::client, t.server_fin_hash);
  const core::Tls13Secret s_ap = s.traffic_secret(master, core::Tls13Side::server, t.server_fin_hash);
  EXPECT_TRUE(secret_matches(c_ap, facts, t.c_ap));
  EXPECT_TRUE(secret_matches(s_ap, facts, t.s_ap));
  EXPECT_TRUE(write_key_matches(s.write_key(c_ap), facts, t.c_ap_key, t.c_ap_iv));
  EXPECT_TRUE(write_key_matches(s.write_key(s_ap), facts, t.s_ap_key, t.s_ap_iv));

  EXPECT_TRUE(secret_matches(s.exporter_master(master, t.server_fin_hash), facts, t.exporter_master));
  const core::Tls13Secret res = s.resumption_master(master, t.client_fin_hash);
  EXPECT_TRUE(secret_matches(res, facts, t.resumption_master));

  // The PSK is the next early secret's IKM: on the composed path it must be
  // readable (HMAC takes it as a message), so only its probe is checked there.
  const core::Tls13Secret psk = s.pre_shared_key(res, t.ticket_nonce);
  EXPECT_EQ(hex(probe(psk)), hex(expected_probe(facts, t.psk))) << "ticket PSK";
  pool()->run([&](p11::Lease& l) {
    if (s.path() == p11::DerivationPath::native) {
      EXPECT_TRUE(object_is_protected(l, psk.object.handle(), "PSK"));
    } else {
      // The documented exception of the composed path: a readable session object.
      EXPECT_EQ(p11::probe_attribute(l.api(), l.handle(), psk.object.handle(), CKA_VALUE), static_cast<CK_RV>(CKR_OK));
      EXPECT_FALSE(p11::read_bool(l.api(), l.handle(), psk.object.handle(), CKA_TOKEN).value_or(true));
    }
    return 0;
  });
  std::cout << "[rfc8448] token=" << spec().name << " path=" << p11::derivation_path_name(s.path())
            << ": §3 secrets, keys, IVs, Finished and PSK match" << std::endl;
}

TEST_P(Rfc8448OnToken, ResumedHandshakeEarlySecretAndBinder) {
  const Trace t;
  const SuiteFacts& facts = aes128();
  core::Tls13Schedule& s = schedule();
  const core::Tls13Suite& suite = s.suite(core::kTls13Version, 0x1301);
  // The PSK as §3 left it: derived on the token from the resumption master.
  const core::Tls13Secret res = [&] {
    const core::Tls13Secret early = s.early_secret(suite, nullptr);
    const p11::Object shared = shared_secret(t.shared);
    const core::Tls13Secret hs = s.handshake_secret(early, shared, t.shared.size());
    return s.resumption_master(s.master_secret(hs), t.client_fin_hash);
  }();
  const core::Tls13Secret psk = s.pre_shared_key(res, t.ticket_nonce);
  const core::Tls13Secret early = s.early_secret(suite, &psk);
  EXPECT_TRUE(secret_matches(early, facts, t.resumed_early));
  const core::Tls13Secret binder_key = s.binder_key(early, core::Tls13Binder::resumption);
  EXPECT_TRUE(secret_matches(binder_key, facts, t.binder_key));
  Bytes binder(32);
  s.finished(binder_key, t.binder_hash, binder);
  EXPECT_EQ(hex(binder), hex(t.binder)) << "PSK binder";
}

INSTANTIATE_TEST_SUITE_P(Tokens, Rfc8448OnToken, ::testing::ValuesIn(test::TestTokens::all()), test::TokenName{});

}  // namespace
}  // namespace sslp11::tls13test
