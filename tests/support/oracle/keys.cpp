#include "support/oracle/keys.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "support/oracle/openssl_call.h"

namespace sslp11::oracle {

namespace {

Bytes bn_param(const EVP_PKEY* key, const char* name, std::size_t length = 0) {
  BIGNUM* raw = nullptr;
  check(EVP_PKEY_get_bn_param(key, name, &raw), name);
  Bignum owned(raw);
  Bytes out(length != 0 ? length : static_cast<std::size_t>(BN_num_bytes(raw)));
  check(BN_bn2binpad(raw, out.data(), static_cast<int>(out.size())), "BN_bn2binpad");
  return out;
}

Pkey from_params(const char* type, int selection, OSSL_PARAM* params) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx) openssl_fail("EVP_PKEY_CTX_new_from_name");
  check(EVP_PKEY_fromdata_init(ctx.get()), "EVP_PKEY_fromdata_init");
  EVP_PKEY* key = nullptr;
  check(EVP_PKEY_fromdata(ctx.get(), &key, selection, params), "EVP_PKEY_fromdata");
  return Pkey(key);
}

// (p, g) and, when given, the public value y.
Params dh_params(ByteView prime, ByteView generator, const ByteView* y) {
  ParamBld bld(OSSL_PARAM_BLD_new());
  Bignum p = bn(prime), g = bn(generator), pub = y != nullptr ? bn(*y) : nullptr;
  check(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_P, p.get()), "push p");
  check(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_FFC_G, g.get()), "push g");
  if (pub) check(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub.get()), "push y");
  return Params(OSSL_PARAM_BLD_to_param(bld.get()));
}

Bytes derive(EVP_PKEY* own, EVP_PKEY* peer, bool dh_pad) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, own, nullptr));
  if (!ctx) openssl_fail("EVP_PKEY_CTX_new_from_pkey");
  check(EVP_PKEY_derive_init(ctx.get()), "EVP_PKEY_derive_init");
  if (dh_pad) check(EVP_PKEY_CTX_set_dh_pad(ctx.get(), 1), "EVP_PKEY_CTX_set_dh_pad");
  check(EVP_PKEY_derive_set_peer(ctx.get(), peer), "EVP_PKEY_derive_set_peer");
  std::size_t len = 0;
  check(EVP_PKEY_derive(ctx.get(), nullptr, &len), "EVP_PKEY_derive (size)");
  Bytes out(len);
  check(EVP_PKEY_derive(ctx.get(), out.data(), &len), "EVP_PKEY_derive");
  out.resize(len);
  return out;
}

PkeyCtx rsa_context(EVP_PKEY* key, int (*init)(EVP_PKEY_CTX*), int padding) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx) openssl_fail("EVP_PKEY_CTX_new_from_pkey(RSA)");
  check(init(ctx.get()), "EVP_PKEY_encrypt/decrypt_init");
  check(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), padding), "EVP_PKEY_CTX_set_rsa_padding");
  return ctx;
}

Bytes rsa_encrypt(EVP_PKEY* key, ByteView in, int padding) {
  PkeyCtx ctx = rsa_context(key, EVP_PKEY_encrypt_init, padding);
  std::size_t len = 0;
  check(EVP_PKEY_encrypt(ctx.get(), nullptr, &len, in.data(), in.size()), "EVP_PKEY_encrypt (size)");
  Bytes out(len);
  check(EVP_PKEY_encrypt(ctx.get(), out.data(), &len, in.data(), in.size()), "EVP_PKEY_encrypt");
  out.resize(len);
  return out;
}

}  // namespace

Pkey ec_generate(const CurveFacts& curve) {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve.openssl_name));
  if (!key) openssl_fail("EC key generation");
  return key;
}

Bytes ec_public_point(const EVP_PKEY* key) {
  Bytes out(1 + 2 * 66);
  std::size_t len = 0;
  check(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, out.data(), out.size(), &len), "EC public point");
  out.resize(len);
  return out;
}

Pkey ec_public_from_point(const CurveFacts& curve, ByteView point) {
  Bytes copy(point.begin(), point.end());
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(curve.openssl_name), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, copy.data(), copy.size()),
      OSSL_PARAM_construct_end(),
  };
  return from_params("EC", EVP_PKEY_PUBLIC_KEY, params);
}

Bytes ecdh(EVP_PKEY* own, EVP_PKEY* peer) { return derive(own, peer, false); }

Pkey dh_generate(ByteView prime, ByteView generator) {
  Params params = dh_params(prime, generator, nullptr);
  Pkey domain = from_params("DH", EVP_PKEY_KEY_PARAMETERS, params.get());
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, domain.get(), nullptr));
  if (!ctx) openssl_fail("EVP_PKEY_CTX_new_from_pkey(DH)");
  check(EVP_PKEY_keygen_init(ctx.get()), "EVP_PKEY_keygen_init(DH)");
  EVP_PKEY* key = nullptr;
  check(EVP_PKEY_keygen(ctx.get(), &key), "EVP_PKEY_keygen(DH)");
  return Pkey(key);
}

Bytes dh_public_value(const EVP_PKEY* key, std::size_t length) {
  return bn_param(key, OSSL_PKEY_PARAM_PUB_KEY, length);
}

Pkey dh_public_from(ByteView prime, ByteView generator, ByteView y) {
  Params params = dh_params(prime, generator, &y);
  return from_params("DH", EVP_PKEY_PUBLIC_KEY, params.get());
}

Bytes dh_padded(EVP_PKEY* own, EVP_PKEY* peer) { return derive(own, peer, true); }

Bytes strip_leading_zeros(ByteView z) {
  std::size_t i = 0;
  while (i < z.size() && z[i] == 0) ++i;
  return Bytes(z.begin() + static_cast<std::ptrdiff_t>(i), z.end());
}

Bytes openssl_ffdhe2048_prime() {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr));
  if (!ctx) openssl_fail("EVP_PKEY_CTX_new_from_name(DH)");
  check(EVP_PKEY_paramgen_init(ctx.get()), "EVP_PKEY_paramgen_init");
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>("ffdhe2048"), 0),
      OSSL_PARAM_construct_end(),
  };
  check(EVP_PKEY_CTX_set_params(ctx.get(), params), "set group ffdhe2048");
  EVP_PKEY* raw = nullptr;
  check(EVP_PKEY_paramgen(ctx.get(), &raw), "EVP_PKEY_paramgen(ffdhe2048)");
  Pkey key(raw);
  return bn_param(key.get(), OSSL_PKEY_PARAM_FFC_P);
}

Pkey rsa_generate(unsigned bits) {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(bits)));
  if (!key) openssl_fail("RSA key generation");
  return key;
}

Pkey rsa_test_key() {
  static const char kPem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCdDGio79A3UFmO\n"
    "y+vVR1XOM0lblpj6vgUQ8imY8ID291wUNGTaZTMH20GY/15Fi+jw168uksRz6Rvz\n"
    "aOaGlQ5ITi2/0S/EW09+02nCkLxCDXXzhb/5pOxbJn3D9Jpt0sedvz9/uJ5CIi8M\n"
    "uE+qcVT51PsBtHOLQslLlzZhBI1lsPDHddxbeEoRNkvSkOuTBGkBfBjgyhsjFqxD\n"
    "PzW3GS/wVZQFOUlqKLzToAnBM95cu6BX52X3hZKr5WdoZedgHv2psgB/53n0N8rg\n"
    "N9EStVTf40utbcEboNqz7lbUSTPifDyzvUT/pcOCr4l6c4VPz5/Lm0tBDfVpNqiW\n"
    "9EdoUFKHAgMBAAECggEACtavZnFekmK2O5exR//rWRbLCkojdrKkkN3Vpxt6GxFJ\n"
    "Ro+zIit30SP9q/x72hrk0bJhAbrZWhKNfkgQGNuyp6TVnXZncIrIur0GgIoSpBBf\n"
    "wpXJgQYz1bqbVWnNOqUgZ6+qRztLmM7ZJmyV+vJlZfSf+iclDkhmshPWie2RgKIQ\n"
    "y+z1NBzg1L+LZfmHSZsppEYbzP2x5DDrKSOtKPsoZJGm4fp5M4oZPEIEfprWVprj\n"
    "f3Ihqu/SKi+TVxiEgCPYLnNVghYmrMr+x+TgeFFv0Di5MTPpWhnjODpPAFDan7jb\n"
    "uCPg+sQDnba9jcC4Ltubz6zR8+zDpkkJsB81RTDJWQKBgQDXr6GaFy8xHTZqpV7H\n"
    "3m6Vv6kRosiszXZ88kCrnImriLVGrruVhpeWLndMpXcRnhfdSrhnrsluLlH4Tswv\n"
    "B/5MzOqnpUUVGbklLnktvJJQBDVAudL78jEXGstcEWq8QlfwfMKku8iO0XwtHbtC\n"
    "k+1xAFcKla9sP2GhHDbgAL/DtQKBgQC6ZwagDFxJtN6lt7MAfirlATOjvAZcoBCg\n"
    "2hZ20prCZZYIMa5eQMUCSbyIxmxRgJf7vtBosABlWnE30h+LXfAcNxUeBfPMNSEc\n"
    "usNtq0STObfPo64YiEixMmDi9DtoQSPu4dHBHOyF0Jfd1Ythfc44y8v/4JbDZs6/\n"
    "iEXmZDjaywKBgQChftkiln94Z+Yp3h7kyrDEoZiHIvrdII66qW0w0ennLVqGTSkZ\n"
    "oYh5I9uh4TcRUu2NfXgr8hzSyg4IPX/3KyYG/VwqIL5kOTl/FJgZXduz3CK/jyPi\n"
    "EAsfwKlKC6R+x7Iu2Eupqw1Vmpc+9McU58xe0yFZRJDwHVkNmCGigg0UDQKBgQCS\n"
    "qDqbM/5sc2T1x4mLqri/AuoJOgdbWwiaNdyU0nC24Exh2AzT1Wvrt+4hQtS4b0+k\n"
    "32WD6G33UGhhve3ZrigbWu8/dvlxQp/xxbO7FpRWrYPEV4jDfn6LBBMcnYIcLZxC\n"
    "9+MbaFFjm1HRVJFcPCpDn3y6ro6P4NRr96Dfex0MbwKBgDvQBfj4gUSWeeglNPwr\n"
    "qo+4yz/8GU5hwT+q24C1R0gLggUzWxNROrA/oOx9lU91t6RPJh7Gb9eUl6qS15YA\n"
    "3jBLBzK7L6Kt3RLPGc8CrD1gxZBPB0CLTFxKzdufk5feHwMgG5lPSn4ZzuzF9Gz2\n"
    "LpkLreeEaG7BbC+wPBKsGPe5\n"
    "-----END PRIVATE KEY-----\n";
  std::unique_ptr<BIO, Free<BIO, BIO_free_all>> bio(BIO_new_mem_buf(kPem, -1));
  Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) openssl_fail("PEM_read_bio_PrivateKey");
  return key;
}

Pkey rsa_public_from(ByteView modulus, ByteView exponent) {
  ParamBld bld(OSSL_PARAM_BLD_new());
  Bignum n = bn(modulus), e = bn(exponent);
  check(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()), "push n");
  check(OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()), "push e");
  Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  return from_params("RSA", EVP_PKEY_PUBLIC_KEY, params.get());
}

Bytes rsa_modulus(const EVP_PKEY* key) { return bn_param(key, OSSL_PKEY_PARAM_RSA_N); }
Bytes rsa_public_exponent(const EVP_PKEY* key) { return bn_param(key, OSSL_PKEY_PARAM_RSA_E); }

Bytes rsa_encrypt_pkcs1(EVP_PKEY* key, ByteView plaintext) { return rsa_encrypt(key, plaintext, RSA_PKCS1_PADDING); }
Bytes rsa_encrypt_raw(EVP_PKEY* key, ByteView block) { return rsa_encrypt(key, block, RSA_NO_PADDING); }

std::optional<Bytes> rsa_decrypt_pkcs1(EVP_PKEY* key, ByteView ciphertext) {
  PkeyCtx ctx = rsa_context(key, EVP_PKEY_decrypt_init, RSA_PKCS1_PADDING);
  std::size_t len = 0;
  check(EVP_PKEY_decrypt(ctx.get(), nullptr, &len, ciphertext.data(), ciphertext.size()), "EVP_PKEY_decrypt (size)");
  Bytes out(len);
  if (EVP_PKEY_decrypt(ctx.get(), out.data(), &len, ciphertext.data(), ciphertext.size()) <= 0) {
    ERR_clear_error();
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

}  // namespace sslp11::oracle
