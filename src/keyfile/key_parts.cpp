#include "keyfile/key_parts.h"

#include <openssl/asn1.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include <algorithm>

#include "keyfile/openssl_handles.h"

namespace sslp11::keyfile {

namespace {

using Bytes = std::vector<std::uint8_t>;

[[noreturn]] void refuse(const std::string& what) { throw Error(what + " (" + openssl_reason() + ")"); }

Bignum bn_param(const EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) refuse(std::string("the key has no ") + name);
  return Bignum(bn);
}

// A big-endian magnitude, in a wiping buffer: most are private key parts.
p11::SecureBytes magnitude(const EVP_PKEY* key, const char* name) {
  const Bignum bn = bn_param(key, name);
  p11::SecureBytes out(static_cast<std::size_t>(BN_num_bytes(bn.get())));
  BN_bn2bin(bn.get(), out.data());
  return out;
}

Bytes public_magnitude(const EVP_PKEY* key, const char* name) {
  const p11::SecureBytes m = magnitude(key, name);
  return Bytes(m.data(), m.data() + m.size());
}

// i2d_* output, copied and freed.
template <typename T, typename Encode>
Bytes der_of(const T* value, Encode encode, const char* what) {
  unsigned char* p = nullptr;
  const int n = encode(value, &p);
  if (n <= 0) refuse(std::string("encoding ") + what);
  Bytes out(p, p + n);
  OPENSSL_free(p);
  return out;
}

void add_ec_public(EVP_PKEY* key, PublicParts& out) {
  char group[80] = {};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1) {
    refuse("the EC key names no curve");
  }
  out.group = group;
  const int nid = OBJ_sn2nid(group) != NID_undef ? OBJ_sn2nid(group) : OBJ_ln2nid(group);
  const ASN1_OBJECT* oid = OBJ_nid2obj(nid);
  if (nid == NID_undef || oid == nullptr) refuse("the EC key's curve " + out.group + " has no OID");
  out.ec_params = der_of(oid, [](const ASN1_OBJECT* o, unsigned char** p) { return i2d_ASN1_OBJECT(o, p); },
                         "the curve's OID");
  out.curve = p11::find_ec_curve_by_params(out.ec_params);
  out.bits = static_cast<std::uint32_t>(EVP_PKEY_get_bits(key));
  // Tokens and the TLS groups sslp11 offers take uncompressed points.
  EVP_PKEY_set_utf8_string_param(key, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                 OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED);
  unsigned char buf[200];
  std::size_t n = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, buf, sizeof buf, &n) != 1) {
    refuse("reading the EC public point");
  }
  if (n == 0 || buf[0] != 0x04) throw Error("the EC public key is not an uncompressed point");
  out.point.assign(buf, buf + n);
}

}  // namespace

std::string openssl_reason() {
  unsigned long last = 0;
  for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) last = e;
  if (last == 0) return "no reason given";
  const char* reason = ERR_reason_error_string(last);
  return reason != nullptr ? reason : "error " + std::to_string(last);
}

PublicParts public_parts(EVP_PKEY* key) {
  PublicParts out;
  if (EVP_PKEY_is_a(key, "RSA") == 1) {
    out.algorithm = KeyAlgorithm::rsa;
    out.bits = static_cast<std::uint32_t>(EVP_PKEY_get_bits(key));
    out.modulus = public_magnitude(key, OSSL_PKEY_PARAM_RSA_N);
    out.public_exponent = public_magnitude(key, OSSL_PKEY_PARAM_RSA_E);
    return out;
  }
  if (EVP_PKEY_is_a(key, "EC") == 1) {
    out.algorithm = KeyAlgorithm::ec;
    add_ec_public(key, out);
    return out;
  }
  throw Error("the key is neither RSA nor EC");
}

PrivateParts private_parts(EVP_PKEY* key) {
  PrivateParts out;
  out.pub = public_parts(key);
  if (out.pub.algorithm == KeyAlgorithm::rsa) {
    out.private_exponent = magnitude(key, OSSL_PKEY_PARAM_RSA_D);
    out.prime1 = magnitude(key, OSSL_PKEY_PARAM_RSA_FACTOR1);
    out.prime2 = magnitude(key, OSSL_PKEY_PARAM_RSA_FACTOR2);
    out.exponent1 = magnitude(key, OSSL_PKEY_PARAM_RSA_EXPONENT1);
    out.exponent2 = magnitude(key, OSSL_PKEY_PARAM_RSA_EXPONENT2);
    out.coefficient = magnitude(key, OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
  } else {
    out.ec_value = magnitude(key, OSSL_PKEY_PARAM_PRIV_KEY);
  }
  return out;
}

std::vector<std::uint8_t> ec_point_attribute(std::span<const std::uint8_t> point) {
  const std::unique_ptr<ASN1_OCTET_STRING, decltype(&ASN1_OCTET_STRING_free)> octets(ASN1_OCTET_STRING_new(),
                                                                                      &ASN1_OCTET_STRING_free);
  if (!octets || ASN1_OCTET_STRING_set(octets.get(), point.data(), static_cast<int>(point.size())) != 1) {
    throw std::bad_alloc();
  }
  return der_of(octets.get(), [](const ASN1_OCTET_STRING* o, unsigned char** p) { return i2d_ASN1_OCTET_STRING(o, p); },
                "the EC point");
}

CertificateFields certificate_fields(X509* cert) {
  CertificateFields f;
  f.der = der_of(cert, [](const X509* c, unsigned char** p) { return i2d_X509(c, p); }, "the certificate");
  f.subject = der_of(X509_get_subject_name(cert),
                     [](const X509_NAME* n, unsigned char** p) { return i2d_X509_NAME(n, p); }, "the subject");
  f.issuer = der_of(X509_get_issuer_name(cert),
                    [](const X509_NAME* n, unsigned char** p) { return i2d_X509_NAME(n, p); }, "the issuer");
  f.serial_number = der_of(X509_get0_serialNumber(cert),
                           [](const ASN1_INTEGER* s, unsigned char** p) { return i2d_ASN1_INTEGER(s, p); },
                           "the serial number");
  return f;
}

}  // namespace sslp11::keyfile
