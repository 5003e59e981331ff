#include "tls13/support/tls13_fixture.h"

#include "core/support/key_checks.h"
#include "core/tls13_hkdf_label.h"
#include "core/tls13_templates.h"
#include "pkcs11/attributes.h"
#include "support/oracle/tls13_kdf.h"

namespace sslp11::tls13test {

void Tls13OnToken::SetUp() {
  core::TokenSettings settings;
  settings.name = spec().name;
  settings.module = spec().module_path;
  settings.init_args = spec().init_args;
  settings.selector.label = spec().label;
  settings.pin = p11::Pin(spec().user_pin);
  settings.pool_size = 4;
  token_ = core::TokenContext::open(std::move(settings));
  schedule_ = std::make_unique<core::Tls13Schedule>(token_->pool(), token_->capabilities(),
                                                    core::DerivationPolicy::allow_composed);
  probe_hkdf_ = schedule_->path() == p11::DerivationPath::native ? core::make_native_hkdf(token_->pool())
                                                       : core::make_composed_hkdf(token_->pool(), caps());
}

void Tls13OnToken::TearDown() {
  probe_hkdf_.reset();
  schedule_.reset();
  token_.reset();
}

p11::DerivationPath Tls13OnToken::expected_path() const {
  return spec().expected_path == "native" ? p11::DerivationPath::native : p11::DerivationPath::composed;
}

Bytes Tls13OnToken::probe(const core::Tls13Secret& secret) {
  const std::size_t n = secret.suite->hash_bytes();
  const core::HkdfLabel info(n, kProbeLabel, {});
  Bytes out(n);
  pool()->run([&](p11::Lease& l) {
    probe_hkdf_->expand_data(l, secret.suite->hash, secret.object, info.bytes(), out);
    return 0;
  });
  return out;
}

Bytes Tls13OnToken::expected_probe(const oracle::SuiteFacts& suite, ByteView secret) {
  return oracle::tls13_expand_label(suite.prf, secret, kProbeLabel, {}, oracle::hash_bytes(suite.prf));
}

::testing::AssertionResult Tls13OnToken::secret_matches(const core::Tls13Secret& secret,
                                                        const oracle::SuiteFacts& suite, ByteView expected) {
  const std::string name(core::tls13_secret_name(secret.kind));
  if (secret.path != expected_path()) return ::testing::AssertionFailure() << name << " made on the wrong path";
  const Bytes got = probe(secret);
  const Bytes want = expected_probe(suite, expected);
  if (got != want) {
    return ::testing::AssertionFailure() << name << ": probe " << oracle::hex(got)
                                         << " is not OpenSSL's on the expected secret " << oracle::hex(want);
  }
  return pool()->run([&](p11::Lease& l) { return object_is_protected(l, secret.object.handle(), name); });
}

::testing::AssertionResult Tls13OnToken::write_key_matches(const core::Tls13WriteKey& wk,
                                                           const oracle::SuiteFacts& suite, ByteView key,
                                                           ByteView iv) {
  const oracle::DirectionKeys want{{}, Bytes(key.begin(), key.end()), Bytes(iv.begin(), iv.end())};
  return pool()->run([&](p11::Lease& l) -> ::testing::AssertionResult {
    const coretest::KeyComparison c =
        coretest::compare_key_objects(l, wk.key.handle(), CK_INVALID_HANDLE, wk.iv.span(), suite, want);
    if (!c.all()) return ::testing::AssertionFailure() << "write key:" << c.detail;
    return object_is_protected(l, wk.key.handle(), "write key");
  });
}

p11::Object Tls13OnToken::shared_secret(ByteView z) {
  return pool()->run([&](p11::Lease& l) {
    auto t = core::tls13_templates::created(schedule_->path(), core::tls13_templates::Use::ikm, CKK_GENERIC_SECRET, z);
    return p11::Object(pool(), l, l.api().C_CreateObject(l.handle(), t.span()));
  });
}

::testing::AssertionResult object_is_protected(const p11::Lease& l, CK_OBJECT_HANDLE object, const std::string& what) {
  const CK_RV rv = p11::probe_attribute(l.api(), l.handle(), object, CKA_VALUE);
  if (rv != CKR_ATTRIBUTE_SENSITIVE) {
    return ::testing::AssertionFailure() << what << ": reading CKA_VALUE gave 0x" << std::hex << rv
                                         << ", not CKR_ATTRIBUTE_SENSITIVE";
  }
  if (p11::read_bool(l.api(), l.handle(), object, CKA_EXTRACTABLE).value_or(true)) {
    return ::testing::AssertionFailure() << what << " is extractable";
  }
  if (p11::read_bool(l.api(), l.handle(), object, CKA_TOKEN).value_or(true)) {
    return ::testing::AssertionFailure() << what << " is a token (persistent) object";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace sslp11::tls13test
