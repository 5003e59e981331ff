#include "support/oracle/signatures.h"

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include <algorithm>

#include "support/oracle/der.h"
#include "support/oracle/openssl_call.h"

namespace sslp11::oracle {

namespace {

using EcdsaSig = std::unique_ptr<ECDSA_SIG, Free<ECDSA_SIG, ECDSA_SIG_free>>;

Bytes bn_bytes(const BIGNUM* b, std::size_t pad_to) {
  const std::size_t len = static_cast<std::size_t>(BN_num_bytes(b));
  Bytes out(std::max(len, pad_to));
  if (BN_bn2binpad(b, out.data(), static_cast<int>(out.size())) < 0) openssl_fail("BN_bn2binpad");
  return out;
}

PkeyCtx context(EVP_PKEY* key) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx) openssl_fail("EVP_PKEY_CTX_new_from_pkey");
  return ctx;
}

// RSA with `padding`; for PSS also MGF1 and the salt length. A null `md`
// leaves the DigestInfo out (PKCS#1 type 1 over the raw value).
void rsa_setup(EVP_PKEY_CTX* ctx, int padding, const EVP_MD* md, int salt_length = 0) {
  check(EVP_PKEY_CTX_set_rsa_padding(ctx, padding), "set_rsa_padding");
  if (md != nullptr) check(EVP_PKEY_CTX_set_signature_md(ctx, md), "set_signature_md");
  if (padding != RSA_PKCS1_PSS_PADDING) return;
  check(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md), "set_rsa_mgf1_md");
  check(EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, salt_length), "set_rsa_pss_saltlen");
}

// 1 = verifies, 0 = does not; anything else is an OpenSSL failure, except
// that OpenSSL also reports a malformed signature as -1 (cleared here).
bool verified(int rc) {
  ERR_clear_error();
  return rc == 1;
}

bool verify(EVP_PKEY_CTX* ctx, ByteView digest, ByteView signature) {
  return verified(EVP_PKEY_verify(ctx, signature.data(), signature.size(), digest.data(), digest.size()));
}

Bytes sign(EVP_PKEY_CTX* ctx, ByteView tbs) {
  std::size_t len = 0;
  check(EVP_PKEY_sign(ctx, nullptr, &len, tbs.data(), tbs.size()), "EVP_PKEY_sign (size)");
  Bytes out(len);
  check(EVP_PKEY_sign(ctx, out.data(), &len, tbs.data(), tbs.size()), "EVP_PKEY_sign");
  out.resize(len);
  return out;
}

PkeyCtx verifier(EVP_PKEY* key) {
  PkeyCtx ctx = context(key);
  check(EVP_PKEY_verify_init(ctx.get()), "EVP_PKEY_verify_init");
  return ctx;
}

PkeyCtx signer(EVP_PKEY* key) {
  PkeyCtx ctx = context(key);
  check(EVP_PKEY_sign_init(ctx.get()), "EVP_PKEY_sign_init");
  return ctx;
}

Bytes ecdsa_sig_der(ECDSA_SIG* sig) {
  return der_of(sig, [](ECDSA_SIG* v, unsigned char** p) { return i2d_ECDSA_SIG(v, p); });
}

}  // namespace

const EVP_MD* md_named(const std::string& cng_name) {
  if (cng_name == "SHA1") return EVP_sha1();
  if (cng_name == "SHA256") return EVP_sha256();
  if (cng_name == "SHA384") return EVP_sha384();
  if (cng_name == "SHA512") return EVP_sha512();
  return nullptr;
}

bool verify_pkcs1(EVP_PKEY* key, const EVP_MD* md, ByteView digest, ByteView signature) {
  auto ctx = verifier(key);
  rsa_setup(ctx.get(), RSA_PKCS1_PADDING, md);
  return verify(ctx.get(), digest, signature);
}

std::optional<Bytes> recover_pkcs1(EVP_PKEY* key, ByteView signature) {
  auto ctx = context(key);
  check(EVP_PKEY_verify_recover_init(ctx.get()), "EVP_PKEY_verify_recover_init");
  rsa_setup(ctx.get(), RSA_PKCS1_PADDING, nullptr);
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
  auto ctx = verifier(key);
  rsa_setup(ctx.get(), RSA_PKCS1_PSS_PADDING, md, salt_length);
  return verify(ctx.get(), digest, signature);
}

bool verify_ecdsa(EVP_PKEY* key, ByteView digest, ByteView der_signature) {
  auto ctx = verifier(key);
  return verify(ctx.get(), digest, der_signature);
}

Bytes sign_pkcs1(EVP_PKEY* key, const EVP_MD* md, ByteView digest) {
  auto ctx = signer(key);
  rsa_setup(ctx.get(), RSA_PKCS1_PADDING, md);
  return sign(ctx.get(), digest);
}

Bytes sign_pkcs1_raw(EVP_PKEY* key, ByteView value) {
  auto ctx = signer(key);
  rsa_setup(ctx.get(), RSA_PKCS1_PADDING, nullptr);
  return sign(ctx.get(), value);
}

Bytes sign_pss(EVP_PKEY* key, const EVP_MD* md, ByteView digest, int salt_length) {
  auto ctx = signer(key);
  rsa_setup(ctx.get(), RSA_PKCS1_PSS_PADDING, md, salt_length);
  return sign(ctx.get(), digest);
}

Bytes sign_ecdsa(EVP_PKEY* key, ByteView digest) {
  auto ctx = signer(key);
  return sign(ctx.get(), digest);
}

Bytes ecdsa_der(ByteView r, ByteView s) {
  EcdsaSig sig(ECDSA_SIG_new());
  if (!sig) openssl_fail("ECDSA_SIG_new");
  Bignum br = bn(r), bs = bn(s);
  check(ECDSA_SIG_set0(sig.get(), br.get(), bs.get()), "ECDSA_SIG_set0");
  br.release();
  bs.release();
  return ecdsa_sig_der(sig.get());
}

std::optional<Bytes> ecdsa_raw(ByteView der, std::size_t size) {
  const unsigned char* in = der.data();
  EcdsaSig sig(d2i_ECDSA_SIG(nullptr, &in, static_cast<long>(der.size())));
  if (!sig || in != der.data() + der.size()) {
    ERR_clear_error();
    return std::nullopt;
  }
  // OpenSSL's parser is lenient (BER); DER means re-encoding gives the same bytes.
  if (ecdsa_sig_der(sig.get()) != Bytes(der.begin(), der.end())) return std::nullopt;
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  if (BN_is_negative(r) || BN_is_negative(s)) return std::nullopt;
  if (static_cast<std::size_t>(BN_num_bytes(r)) > size || static_cast<std::size_t>(BN_num_bytes(s)) > size) {
    return std::nullopt;
  }
  return concat(bn_bytes(r, size), bn_bytes(s, size));
}

}  // namespace sslp11::oracle
