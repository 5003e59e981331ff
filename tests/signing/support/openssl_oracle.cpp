#include "signing/support/openssl_oracle.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <sslp11/bcrypt.h>

namespace sslp11::signingtest {

namespace {

[[noreturn]] void openssl_fail(const std::string& what) {
  std::string message = "OpenSSL: " + what;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    message += "; ";
    message += buf;
  }
  throw std::runtime_error(message);
}

void check(int rc, const std::string& what) {
  if (rc <= 0) openssl_fail(what);
}

struct CtxFree {
  void operator()(EVP_PKEY_CTX* c) const noexcept { EVP_PKEY_CTX_free(c); }
};
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, CtxFree>;
struct BnFree {
  void operator()(BIGNUM* b) const noexcept { BN_free(b); }
};
using Bignum = std::unique_ptr<BIGNUM, BnFree>;
struct BldFree {
  void operator()(OSSL_PARAM_BLD* b) const noexcept { OSSL_PARAM_BLD_free(b); }
};
struct ParamsFree {
  void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
};
struct X509Free {
  void operator()(X509* x) const noexcept { X509_free(x); }
};
struct SigFree {
  void operator()(ECDSA_SIG* s) const noexcept { ECDSA_SIG_free(s); }
};
using EcdsaSig = std::unique_ptr<ECDSA_SIG, SigFree>;

Bignum bn(ByteView v) {
  Bignum b(BN_bin2bn(v.data(), static_cast<int>(v.size()), nullptr));
  if (!b) openssl_fail("BN_bin2bn");
  return b;
}

Bytes bn_bytes(const BIGNUM* b, std::size_t pad_to = 0) {
  const std::size_t len = static_cast<std::size_t>(BN_num_bytes(b));
  Bytes out(std::max(len, pad_to));
  if (BN_bn2binpad(b, out.data(), static_cast<int>(out.size())) < 0) openssl_fail("BN_bn2binpad");
  return out;
}

Bytes bn_param(const EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  check(EVP_PKEY_get_bn_param(key, name, &raw), std::string("EVP_PKEY_get_bn_param ") + name);
  Bignum b(raw);
  return bn_bytes(b.get());
}

Pkey from_params(const char* type, OSSL_PARAM* params) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx) openssl_fail("EVP_PKEY_CTX_new_from_name");
  check(EVP_PKEY_fromdata_init(ctx.get()), "EVP_PKEY_fromdata_init");
  EVP_PKEY* key = nullptr;
  check(EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params), "EVP_PKEY_fromdata");
  return Pkey(key);
}

PkeyCtx context(EVP_PKEY* key) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx) openssl_fail("EVP_PKEY_CTX_new_from_pkey");
  return ctx;
}

// 1 = verifies, 0 = does not; anything else is an OpenSSL failure, except
// that OpenSSL also reports a malformed signature as -1 (cleared here).
bool verified(int rc) {
  ERR_clear_error();
  return rc == 1;
}

Bytes sign(EVP_PKEY_CTX* ctx, ByteView tbs) {
  std::size_t len = 0;
  check(EVP_PKEY_sign(ctx, nullptr, &len, tbs.data(), tbs.size()), "EVP_PKEY_sign (size)");
  Bytes out(len);
  check(EVP_PKEY_sign(ctx, out.data(), &len, tbs.data(), tbs.size()), "EVP_PKEY_sign");
  out.resize(len);
  return out;
}

template <class T>
void put(Bytes& out, const T& value) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(&value);
  out.insert(out.end(), p, p + sizeof value);
}

template <class T, class F>
Bytes der_of(T* value, F encode) {
  const int len = encode(value, nullptr);
  check(len, "DER encoding (size)");
  Bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  check(encode(value, &p), "DER encoding");
  return out;
}

}  // namespace

Bytes random_bytes(std::size_t n) {
  Bytes out(n);
  check(RAND_bytes(out.data(), static_cast<int>(n)), "RAND_bytes");
  return out;
}

std::string hex(ByteView b) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (auto c : b) {
    s.push_back(digits[c >> 4]);
    s.push_back(digits[c & 15]);
  }
  return s;
}

const Curve& p256() {
  static const Curve c{"P-256", "prime256v1", {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}, 32,
                       BCRYPT_ECDSA_PUBLIC_P256_MAGIC};
  return c;
}

const Curve& p384() {
  static const Curve c{"P-384", "secp384r1", {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22}, 48,
                       BCRYPT_ECDSA_PUBLIC_P384_MAGIC};
  return c;
}

Pkey rsa_generate(int bits) {
  EVP_PKEY* key = EVP_RSA_gen(static_cast<unsigned>(bits));
  if (key == nullptr) openssl_fail("EVP_RSA_gen");
  return Pkey(key);
}

Pkey ec_generate(const Curve& curve) {
  EVP_PKEY* key = EVP_EC_gen(curve.group);
  if (key == nullptr) openssl_fail("EVP_EC_gen");
  return Pkey(key);
}

Pkey rsa_public_from(ByteView modulus, ByteView exponent) {
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  Bignum n = bn(modulus), e = bn(exponent);
  check(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()), "push n");
  check(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()), "push e");
  std::unique_ptr<OSSL_PARAM, ParamsFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  return from_params("RSA", params.get());
}

Pkey ec_public_from_point(const Curve& curve, ByteView point) {
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  check(OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve.group, 0), "push group");
  check(OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()), "push point");
  std::unique_ptr<OSSL_PARAM, ParamsFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  return from_params("EC", params.get());
}

Bytes rsa_modulus(const EVP_PKEY* key) { return bn_param(key, OSSL_PKEY_PARAM_RSA_N); }
Bytes rsa_exponent(const EVP_PKEY* key) { return bn_param(key, OSSL_PKEY_PARAM_RSA_E); }

Bytes ec_point(const EVP_PKEY* key) {
  std::size_t len = 0;
  check(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, nullptr, 0, &len), "public point (size)");
  Bytes out(len);
  check(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, out.data(), out.size(), &len), "public point");
  out.resize(len);
  return out;
}

Bytes bcrypt_rsa_public_blob(const EVP_PKEY* key) {
  const Bytes n = rsa_modulus(key), e = rsa_exponent(key);
  BCRYPT_RSAKEY_BLOB h{};
  h.Magic = BCRYPT_RSAPUBLIC_MAGIC;
  h.BitLength = static_cast<ULONG>(n.size() * 8);
  h.cbPublicExp = static_cast<ULONG>(e.size());
  h.cbModulus = static_cast<ULONG>(n.size());
  Bytes out;
  put(out, h);
  out.insert(out.end(), e.begin(), e.end());
  out.insert(out.end(), n.begin(), n.end());
  return out;
}

Bytes bcrypt_ecc_public_blob(const EVP_PKEY* key, const Curve& curve) {
  const Bytes point = ec_point(key);
  BCRYPT_ECCKEY_BLOB h{curve.ecdsa_magic, static_cast<ULONG>(curve.coordinate_bytes)};
  Bytes out;
  put(out, h);
  out.insert(out.end(), point.begin() + 1, point.end());
  return out;
}

Certificate make_certificate(EVP_PKEY* subject, const std::string& common_name) {
  Pkey issuer = ec_generate(p256());
  std::unique_ptr<X509, X509Free> cert(X509_new());
  if (!cert) openssl_fail("X509_new");
  check(X509_set_version(cert.get(), 2), "X509_set_version");
  check(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1), "serial");
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr) openssl_fail("notBefore");
  if (X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400) == nullptr) openssl_fail("notAfter");
  check(X509_set_pubkey(cert.get(), subject), "X509_set_pubkey");
  X509_NAME* name = X509_get_subject_name(cert.get());
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()),
                                   -1, -1, 0),
        "CN");
  check(X509_set_issuer_name(cert.get(), name), "X509_set_issuer_name");
  check(X509_sign(cert.get(), issuer.get(), EVP_sha256()), "X509_sign");
  Certificate c;
  c.der = der_of(cert.get(), [](X509* x, unsigned char** p) { return i2d_X509(x, p); });
  c.subject = der_of(X509_get_subject_name(cert.get()), [](X509_NAME* n, unsigned char** p) { return i2d_X509_NAME(n, p); });
  c.issuer = der_of(X509_get_issuer_name(cert.get()), [](X509_NAME* n, unsigned char** p) { return i2d_X509_NAME(n, p); });
  c.serial = der_of(X509_get_serialNumber(cert.get()), [](ASN1_INTEGER* n, unsigned char** p) { return i2d_ASN1_INTEGER(n, p); });
  return c;
}

const EVP_MD* md_named(const std::string& cng_name) {
  if (cng_name == "SHA1") return EVP_sha1();
  if (cng_name == "SHA256") return EVP_sha256();
  if (cng_name == "SHA384") return EVP_sha384();
  if (cng_name == "SHA512") return EVP_sha512();
  return nullptr;
}

bool verify_pkcs1(EVP_PKEY* key, const EVP_MD* md, ByteView digest, ByteView signature) {
  auto ctx = context(key);
  check(EVP_PKEY_verify_init(ctx.get()), "EVP_PKEY_verify_init");
  check(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING), "set_rsa_padding");
  check(EVP_PKEY_CTX_set_signature_md(ctx.get(), md), "set_signature_md");
  return verified(EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), digest.data(), digest.size()));
}

std::optional<Bytes> recover_pkcs1(EVP_PKEY* key, ByteView signature) {
  auto ctx = context(key);
  check(EVP_PKEY_verify_recover_init(ctx.get()), "EVP_PKEY_verify_recover_init");
  check(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING), "set_rsa_padding");
  std::size_t len = static_cast<std::size_t>(EVP_PKEY_get_size(key));
  Bytes out(len);
  if (EVP_PKEY_verify_recover(ctx.get(), out.data(), &len, signature.data(), signature.size()) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

bool verify_pss(EVP_PKEY* key, const EVP_MD* md, ByteView digest, ByteView signature, int salt_length) {
  auto ctx = context(key);
  check(EVP_PKEY_verify_init(ctx.get()), "EVP_PKEY_verify_init");
  check(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING), "set_rsa_padding");
  check(EVP_PKEY_CTX_set_signature_md(ctx.get(), md), "set_signature_md");
  check(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), md), "set_rsa_mgf1_md");
  check(EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), salt_length), "set_rsa_pss_saltlen");
  return verified(EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), digest.data(), digest.size()));
}

bool verify_ecdsa(EVP_PKEY* key, ByteView digest, ByteView der_signature) {
  auto ctx = context(key);
  check(EVP_PKEY_verify_init(ctx.get()), "EVP_PKEY_verify_init");
  return verified(EVP_PKEY_verify(ctx.get(), der_signature.data(), der_signature.size(), digest.data(), digest.size()));
}

Bytes sign_pkcs1(EVP_PKEY* key, const EVP_MD* md, ByteView digest) {
  auto ctx = context(key);
  check(EVP_PKEY_sign_init(ctx.get()), "EVP_PKEY_sign_init");
  check(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING), "set_rsa_padding");
  check(EVP_PKEY_CTX_set_signature_md(ctx.get(), md), "set_signature_md");
  return sign(ctx.get(), digest);
}

Bytes sign_pkcs1_raw(EVP_PKEY* key, ByteView value) {
  auto ctx = context(key);
  check(EVP_PKEY_sign_init(ctx.get()), "EVP_PKEY_sign_init");
  check(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING), "set_rsa_padding");
  return sign(ctx.get(), value);
}

Bytes sign_pss(EVP_PKEY* key, const EVP_MD* md, ByteView digest, int salt_length) {
  auto ctx = context(key);
  check(EVP_PKEY_sign_init(ctx.get()), "EVP_PKEY_sign_init");
  check(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING), "set_rsa_padding");
  check(EVP_PKEY_CTX_set_signature_md(ctx.get(), md), "set_signature_md");
  check(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), md), "set_rsa_mgf1_md");
  check(EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), salt_length), "set_rsa_pss_saltlen");
  return sign(ctx.get(), digest);
}

Bytes sign_ecdsa(EVP_PKEY* key, ByteView digest) {
  auto ctx = context(key);
  check(EVP_PKEY_sign_init(ctx.get()), "EVP_PKEY_sign_init");
  return sign(ctx.get(), digest);
}

Bytes ecdsa_der(ByteView r, ByteView s) {
  EcdsaSig sig(ECDSA_SIG_new());
  if (!sig) openssl_fail("ECDSA_SIG_new");
  Bignum br = bn(r), bs = bn(s);
  check(ECDSA_SIG_set0(sig.get(), br.get(), bs.get()), "ECDSA_SIG_set0");
  br.release();
  bs.release();
  return der_of(sig.get(), [](ECDSA_SIG* v, unsigned char** p) { return i2d_ECDSA_SIG(v, p); });
}

std::optional<Bytes> ecdsa_raw(ByteView der, std::size_t size) {
  const unsigned char* in = der.data();
  EcdsaSig sig(d2i_ECDSA_SIG(nullptr, &in, static_cast<long>(der.size())));
  if (!sig || in != der.data() + der.size()) {
    ERR_clear_error();
    return std::nullopt;
  }
  // OpenSSL's parser is lenient (BER); DER means re-encoding gives the same bytes.
  if (der_of(sig.get(), [](ECDSA_SIG* v, unsigned char** p) { return i2d_ECDSA_SIG(v, p); }) != Bytes(der.begin(), der.end())) {
    return std::nullopt;
  }
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  if (BN_is_negative(r) || BN_is_negative(s)) return std::nullopt;
  if (static_cast<std::size_t>(BN_num_bytes(r)) > size || static_cast<std::size_t>(BN_num_bytes(s)) > size) {
    return std::nullopt;
  }
  Bytes out = bn_bytes(r, size);
  const Bytes sb = bn_bytes(s, size);
  out.insert(out.end(), sb.begin(), sb.end());
  return out;
}

}  // namespace sslp11::signingtest
