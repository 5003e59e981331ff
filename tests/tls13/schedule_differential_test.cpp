// Every secret of the TLS 1.3 key schedule (src/core/tls13_schedule.cpp),
// for every TLS 1.3 suite the token can run, against OpenSSL's TLS13-KDF
// (tests/support/oracle/tls13_kdf.h) on random inputs, on both test tokens
// (SoftHSMv2 composed, NSS softoken native).
//
// The (EC)DHE secret is real: a P-256 or P-384 key pair made on the token,
// the peer's by OpenSSL, Z derived on the token by ecdhe_shared_secret()
// (src/core/tls13_shared_secret.cpp) and by OpenSSL for the oracle. Secrets
// never leave the token and are compared through a probe, an
// HKDF-Expand-Label of the secret with a test-only label read through the
// schedule's own path for caller-bound output (CKM_HKDF_DATA natively, HMAC
// C_Sign composed; see tests/tls13/support/tls13_fixture.h); each is also
// checked sensitive, not extractable and a session object. Write keys are
// compared by an AEAD encryption under them; IVs, verify_data, binders and
// exporter output are compared as bytes.
#include <gtest/gtest.h>

#include <array>
#include <iostream>
#include <optional>

#include "core/cipher_suites.h"
#include "core/key_exchange.h"
#include "core/templates.h"
#include "core/tls13_shared_secret.h"
#include "pkcs11/attributes.h"
#include "support/oracle/digests.h"
#include "support/oracle/keys.h"
#include "support/oracle/tls13_kdf.h"
#include "tls13/support/tls13_fixture.h"

namespace sslp11::tls13test {
namespace {

using namespace ::sslp11::oracle;

class Tls13Differential : public Tls13OnToken {
 protected:
  // The TLS 1.3 suites this token offers (the others are named in the log).
  std::vector<const SuiteFacts*> runnable_suites() {
    std::vector<const SuiteFacts*> out;
    for (const SuiteFacts& f : all_tls13_suite_facts()) {
      const core::Tls13Suite* s = core::find_tls13_suite(f.id);
      if (s == nullptr) {
        ADD_FAILURE() << f.name << " is not in sslp11's TLS 1.3 table";
        continue;
      }
      EXPECT_EQ(s->key_bytes, f.key_bytes) << f.name;
      EXPECT_EQ(s->iv_bytes, f.fixed_iv_bytes) << f.name;
      EXPECT_EQ(s->hash_bytes(), hash_bytes(f.prf)) << f.name;
      if (auto why = core::tls13_suite_unavailable_reason(*s, caps(), core::DerivationPolicy::allow_composed)) {
        std::cout << "[tls13] token=" << spec().name << " skips " << f.name << ": " << *why << std::endl;
        continue;
      }
      out.push_back(&f);
    }
    return out;
  }

  struct TokenShare {
    p11::Object priv;
    Bytes point;  // 04 || X || Y
  };
  TokenShare token_key_share(const CurveFacts& curve) {
    const core::NamedCurve* c = core::find_curve_by_group(curve.group);
    return pool()->run([&](p11::Lease& l) {
      auto pub_t = core::templates::ec_public(c->der_oid);
      auto priv_t = core::templates::exchange_private();
      CK_MECHANISM mech{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
      CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
      l.api().C_GenerateKeyPair(l.handle(), mech, pub_t.span(), priv_t.span(), pub, priv);
      p11::Object pub_object(pool(), l, pub);
      TokenShare share{p11::Object(pool(), l, priv), {}};
      const auto attr = p11::read_bytes(l.api(), l.handle(), pub, CKA_EC_POINT);
      if (!attr) throw std::runtime_error("no CKA_EC_POINT");
      share.point = core::decode_ec_point(*attr, curve.coordinate_bytes);
      return share;
    });
  }
};

TEST_P(Tls13Differential, EverySecretMatchesOpenSsl) {
  core::Tls13Schedule& s = schedule();
  ASSERT_EQ(s.path(), expected_path());
  int checked = 0;
  for (const SuiteFacts* f : runnable_suites()) {
    SCOPED_TRACE(f->name);
    const Hash h = f->prf;
    const std::size_t n = hash_bytes(h);
    const core::Tls13Suite& suite = s.suite(core::kTls13Version, f->id);
    const CurveFacts& curve = h == Hash::sha384 ? p384() : p256();

    // (EC)DHE on the token, the peer's half by OpenSSL.
    TokenShare own = token_key_share(curve);
    Pkey peer = ec_generate(curve);
    const Bytes peer_point = ec_public_point(peer.get());
    Pkey own_public = ec_public_from_point(curve, own.point);
    const Bytes z = ecdh(peer.get(), own_public.get());
    const p11::Object shared = core::ecdhe_shared_secret(pool(), s.path(), own.priv, peer_point, curve.coordinate_bytes);
    // The (EC)DHE secret: protected on the native path; on the composed one
    // readable, the documented exception (HKDF-Extract reads it as HMAC's message).
    pool()->run([&](p11::Lease& l) {
      if (s.path() == p11::DerivationPath::native) {
        EXPECT_TRUE(object_is_protected(l, shared.handle(), "(EC)DHE secret"));
      } else {
        EXPECT_EQ(p11::probe_attribute(l.api(), l.handle(), shared.handle(), CKA_VALUE), static_cast<CK_RV>(CKR_OK));
        EXPECT_FALSE(p11::read_bool(l.api(), l.handle(), shared.handle(), CKA_TOKEN).value_or(true));
      }
      return 0;
    });

    const Bytes th_hello = random_bytes(n), th_server_fin = random_bytes(n), th_client_fin = random_bytes(n);
    const Bytes th_cv = random_bytes(n);

    // 1-RTT.
    const Bytes early = tls13_extract(h, std::nullopt, std::nullopt);
    const Bytes hs = tls13_extract(h, early, z);
    const Bytes c_hs = tls13_derive_secret(h, hs, "c hs traffic", th_hello);
    const Bytes s_hs = tls13_derive_secret(h, hs, "s hs traffic", th_hello);
    const Bytes master = tls13_extract(h, hs, std::nullopt);
    const Bytes c_ap = tls13_derive_secret(h, master, "c ap traffic", th_server_fin);
    const Bytes s_ap = tls13_derive_secret(h, master, "s ap traffic", th_server_fin);
    const Bytes exp = tls13_derive_secret(h, master, "exp master", th_server_fin);
    const Bytes res = tls13_derive_secret(h, master, "res master", th_client_fin);

    const core::Tls13Secret t_early = s.early_secret(suite, nullptr);
    EXPECT_TRUE(secret_matches(t_early, *f, early));
    const core::Tls13Secret t_hs = s.handshake_secret(t_early, shared, curve.coordinate_bytes);
    EXPECT_TRUE(secret_matches(t_hs, *f, hs));
    const core::Tls13Secret t_c_hs = s.traffic_secret(t_hs, core::Tls13Side::client, th_hello);
    const core::Tls13Secret t_s_hs = s.traffic_secret(t_hs, core::Tls13Side::server, th_hello);
    EXPECT_TRUE(secret_matches(t_c_hs, *f, c_hs));
    EXPECT_TRUE(secret_matches(t_s_hs, *f, s_hs));
    // The probe tells secrets apart (it is not a constant of the path).
    EXPECT_NE(hex(probe(t_c_hs)), hex(expected_probe(*f, s_hs)));
    for (const auto* pair : {&t_c_hs, &t_s_hs}) {
      const Bytes& secret = pair == &t_c_hs ? c_hs : s_hs;
      EXPECT_TRUE(write_key_matches(s.write_key(*pair), *f, tls13_expand_label(h, secret, "key", {}, f->key_bytes),
                                    tls13_expand_label(h, secret, "iv", {}, 12)));
    }
    Bytes verify(n);
    s.finished(t_s_hs, th_cv, verify);
    EXPECT_EQ(hex(verify), hex(tls13_finished(h, s_hs, th_cv))) << "server Finished";
    s.finished(t_c_hs, th_server_fin, verify);
    EXPECT_EQ(hex(verify), hex(tls13_finished(h, c_hs, th_server_fin))) << "client Finished";

    const core::Tls13Secret t_master = s.master_secret(t_hs);
    EXPECT_TRUE(secret_matches(t_master, *f, master));
    const core::Tls13Secret t_c_ap = s.traffic_secret(t_master, core::Tls13Side::client, th_server_fin);
    const core::Tls13Secret t_s_ap = s.traffic_secret(t_master, core::Tls13Side::server, th_server_fin);
    EXPECT_TRUE(secret_matches(t_c_ap, *f, c_ap));
    EXPECT_TRUE(secret_matches(t_s_ap, *f, s_ap));
    EXPECT_TRUE(write_key_matches(s.write_key(t_c_ap), *f, tls13_expand_label(h, c_ap, "key", {}, f->key_bytes),
                                  tls13_expand_label(h, c_ap, "iv", {}, 12)));

    // KeyUpdate, twice.
    const core::Tls13Secret t_c_ap1 = s.next_traffic_secret(t_c_ap);
    const Bytes c_ap1 = tls13_expand_label(h, c_ap, "traffic upd", {}, n);
    EXPECT_TRUE(secret_matches(t_c_ap1, *f, c_ap1));
    EXPECT_TRUE(secret_matches(s.next_traffic_secret(t_c_ap1), *f, tls13_expand_label(h, c_ap1, "traffic upd", {}, n)));
    EXPECT_TRUE(secret_matches(s.next_traffic_secret(t_s_ap), *f, tls13_expand_label(h, s_ap, "traffic upd", {}, n)));
    const core::Tls13Secret t_s_ap1 = s.next_traffic_secret(t_s_ap);
    const Bytes s_ap1 = tls13_expand_label(h, s_ap, "traffic upd", {}, n);
    EXPECT_TRUE(write_key_matches(s.write_key(t_s_ap1), *f, tls13_expand_label(h, s_ap1, "key", {}, f->key_bytes),
                                  tls13_expand_label(h, s_ap1, "iv", {}, 12)));

    // Exporter (RFC 8446 §7.5): no context and an empty one are the same.
    const core::Tls13Secret t_exp = s.exporter_master(t_master, th_server_fin);
    EXPECT_TRUE(secret_matches(t_exp, *f, exp));
    const Bytes context = random_bytes(40);
    for (std::size_t len : {std::size_t{1}, n, std::size_t{100}}) {
      Bytes out(len);
      s.export_keying_material(t_exp, "EXPORTER-sslp11-test", context, out);
      EXPECT_EQ(hex(out), hex(tls13_export(h, exp, "EXPORTER-sslp11-test", context, len))) << len << " bytes";
      s.export_keying_material(t_exp, "EXPORTER-sslp11-test", {}, out);
      EXPECT_EQ(hex(out), hex(tls13_export(h, exp, "EXPORTER-sslp11-test", {}, len))) << len << " bytes, no context";
    }

    // Resumption: the ticket's PSK, the next early secret, binders, 0-RTT.
    const core::Tls13Secret t_res = s.resumption_master(t_master, th_client_fin);
    EXPECT_TRUE(secret_matches(t_res, *f, res));
    const Bytes nonce = random_bytes(8);
    const Bytes psk = tls13_expand_label(h, res, "resumption", nonce, n);
    const core::Tls13Secret t_psk = s.pre_shared_key(t_res, nonce);
    EXPECT_EQ(hex(probe(t_psk)), hex(expected_probe(*f, psk))) << "resumption PSK";
    const Bytes early2 = tls13_extract(h, std::nullopt, psk);
    const core::Tls13Secret t_early2 = s.early_secret(suite, &t_psk);
    EXPECT_TRUE(secret_matches(t_early2, *f, early2));
    const Bytes empty_hash = digest(h, {});
    const Bytes ext_binder = tls13_derive_secret(h, early2, "ext binder", empty_hash);
    const Bytes res_binder = tls13_derive_secret(h, early2, "res binder", empty_hash);
    const core::Tls13Secret t_ext = s.binder_key(t_early2, core::Tls13Binder::external);
    const core::Tls13Secret t_resb = s.binder_key(t_early2, core::Tls13Binder::resumption);
    EXPECT_TRUE(secret_matches(t_ext, *f, ext_binder));
    EXPECT_TRUE(secret_matches(t_resb, *f, res_binder));
    const Bytes th_partial = random_bytes(n);
    s.finished(t_resb, th_partial, verify);
    EXPECT_EQ(hex(verify), hex(tls13_finished(h, res_binder, th_partial))) << "binder";
    const Bytes th_ch = random_bytes(n);
    const Bytes c_e = tls13_derive_secret(h, early2, "c e traffic", th_ch);
    const core::Tls13Secret t_c_e = s.traffic_secret(t_early2, core::Tls13Side::client, th_ch);
    EXPECT_TRUE(secret_matches(t_c_e, *f, c_e));
    EXPECT_TRUE(write_key_matches(s.write_key(t_c_e), *f, tls13_expand_label(h, c_e, "key", {}, f->key_bytes),
                                  tls13_expand_label(h, c_e, "iv", {}, 12)));
    EXPECT_TRUE(secret_matches(s.exporter_master(t_early2, th_ch), *f, tls13_derive_secret(h, early2, "e exp master", th_ch)));

    // An external PSK of a length other than the hash's.
    const Bytes external = random_bytes(n + 7);
    const core::Tls13Secret t_external = s.import_psk(suite, external);
    EXPECT_TRUE(secret_matches(s.early_secret(suite, &t_external), *f, tls13_extract(h, std::nullopt, external)));
    ++checked;
  }
  std::cout << "[tls13] token=" << spec().name << " path=" << p11::derivation_path_name(schedule().path()) << ": " << checked
            << " suites, every secret equal to OpenSSL's TLS13-KDF" << std::endl;
  EXPECT_GT(checked, 0);
}

INSTANTIATE_TEST_SUITE_P(Tokens, Tls13Differential, ::testing::ValuesIn(test::TestTokens::all()), test::TokenName{});

}  // namespace
}  // namespace sslp11::tls13test
