#include "cli/key_formats.h"

#include <array>

namespace sslp11::cli {

namespace {

using der::Bytes;
using der::Reader;

// DER OIDs (tag and length included, as they appear in AlgorithmIdentifier).
constexpr std::array<std::uint8_t, 11> kRsaEncryption{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
constexpr std::array<std::uint8_t, 9> kEcPublicKey{0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
constexpr std::array<std::uint8_t, 2> kDerNull{0x05, 0x00};

std::uint32_t bit_length(Bytes magnitude) {
  if (magnitude.empty() || (magnitude.size() == 1 && magnitude[0] == 0)) return 0;
  std::uint32_t bits = static_cast<std::uint32_t>(magnitude.size() - 1) * 8;
  for (std::uint8_t top = magnitude[0]; top != 0; top >>= 1) ++bits;
  return bits;
}

const p11::EcCurve& require_curve(const der::Element& oid, std::string_view where) {
  if (const auto* c = curve_from_params(oid.whole)) return *c;
  throw der::Error(std::string(where) + ": the curve is not one sslp11 supports (P-256, P-384, P-521)");
}

// Uncompressed points only: PKCS#11 tokens and the TLS groups sslp11 offers use them.
Bytes check_point(Bytes point, const p11::EcCurve& curve, std::string_view where) {
  if (point.size() != 1 + 2 * curve.coordinate_bytes || point[0] != 0x04) {
    throw der::Error(std::string(where) + ": the EC public key is not an uncompressed point on " +
                     std::string(curve.oid));
  }
  return point;
}

RsaPrivateKey parse_rsa_private_key(Bytes der, std::string_view what) {
  Reader outer(der, what);
  Reader r = outer.enter(der::kSequence, "RSAPrivateKey");
  outer.expect_end();
  const unsigned long version = der::small_integer(r.read(der::kInteger, "version"), "RSAPrivateKey version");
  if (version != 0) throw der::Error(std::string(what) + ": multi-prime RSA keys (version 1) are not supported");
  RsaPrivateKey k;
  k.modulus = der::unsigned_integer(r.read(der::kInteger, "modulus"), "modulus");
  k.public_exponent = der::unsigned_integer(r.read(der::kInteger, "publicExponent"), "publicExponent");
  k.private_exponent = der::unsigned_integer(r.read(der::kInteger, "privateExponent"), "privateExponent");
  k.prime1 = der::unsigned_integer(r.read(der::kInteger, "prime1"), "prime1");
  k.prime2 = der::unsigned_integer(r.read(der::kInteger, "prime2"), "prime2");
  k.exponent1 = der::unsigned_integer(r.read(der::kInteger, "exponent1"), "exponent1");
  k.exponent2 = der::unsigned_integer(r.read(der::kInteger, "exponent2"), "exponent2");
  k.coefficient = der::unsigned_integer(r.read(der::kInteger, "coefficient"), "coefficient");
  r.expect_end();
  if (bit_length(k.modulus) < 1024) throw der::Error(std::string(what) + ": RSA modulus shorter than 1024 bits");
  return k;
}

// `curve` comes from the PKCS#8 AlgorithmIdentifier, or is null for a bare SEC1 key.
EcPrivateKey parse_ec_private_key(Bytes der, const p11::EcCurve* curve, std::string_view what) {
  Reader outer(der, what);
  Reader r = outer.enter(der::kSequence, "ECPrivateKey");
  outer.expect_end();
  if (der::small_integer(r.read(der::kInteger, "version"), "ECPrivateKey version") != 1) {
    throw der::Error(std::string(what) + ": ECPrivateKey version is not 1");
  }
  EcPrivateKey k;
  k.private_value = r.read(der::kOctetString, "privateKey").value;
  if (r.peek_tag() == der::context(0, true)) {
    Reader params = r.enter(der::context(0, true), "parameters");
    const auto oid = params.read(der::kOid, "namedCurve");
    params.expect_end();
    const p11::EcCurve& named = require_curve(oid, what);
    if (curve != nullptr && curve != &named) {
      throw der::Error(std::string(what) + ": the key's curve differs from its AlgorithmIdentifier's");
    }
    curve = &named;
  }
  if (curve == nullptr) throw der::Error(std::string(what) + ": the EC key does not name its curve");
  k.curve = curve;
  if (r.peek_tag() == der::context(1, true)) {
    Reader pub = r.enter(der::context(1, true), "publicKey");
    const Bytes point = der::bit_string_bytes(pub.read(der::kBitString, "publicKey"), "publicKey");
    pub.expect_end();
    k.public_point = check_point(point, *curve, what);
  }
  r.expect_end();
  if (k.private_value.empty() || k.private_value.size() > curve->coordinate_bytes) {
    throw der::Error(std::string(what) + ": the EC private value has the wrong length for " + std::string(curve->oid));
  }
  return k;
}

PrivateKey parse_pkcs8(Reader& r) {
  constexpr std::string_view kWhat = "PKCS#8 PrivateKeyInfo";
  const unsigned long version = der::small_integer(r.read(der::kInteger, "version"), "PrivateKeyInfo version");
  if (version > 1) throw der::Error("PKCS#8 PrivateKeyInfo: unknown version " + std::to_string(version));
  Reader alg = r.enter(der::kSequence, "privateKeyAlgorithm");
  const auto oid = alg.read(der::kOid, "algorithm");
  const Bytes key = r.read(der::kOctetString, "privateKey").value;
  // attributes [0] and publicKey [1] (v2) may follow; neither is needed.
  r.read_optional(der::context(0, true));
  r.read_optional(der::context(1, false));
  r.expect_end();

  PrivateKey out;
  out.format = "PKCS#8";
  if (der::equal(oid.whole, kRsaEncryption)) {
    if (!alg.empty()) {
      const auto params = alg.read_any();
      if (!der::equal(params.whole, kDerNull)) throw der::Error("PKCS#8: rsaEncryption parameters are not NULL");
    }
    alg.expect_end();
    out.algorithm = KeyAlgorithm::rsa;
    out.rsa = parse_rsa_private_key(key, "PKCS#8 RSAPrivateKey");
    return out;
  }
  if (der::equal(oid.whole, kEcPublicKey)) {
    const auto curve_oid = alg.read(der::kOid, "namedCurve");
    alg.expect_end();
    out.algorithm = KeyAlgorithm::ec;
    out.ec = parse_ec_private_key(key, &require_curve(curve_oid, kWhat), "PKCS#8 ECPrivateKey");
    return out;
  }
  throw der::Error("PKCS#8: the key algorithm is neither rsaEncryption nor id-ecPublicKey (RSA and EC keys only)");
}

PublicKey parse_subject_public_key_info(Reader& r) {
  constexpr std::string_view kWhat = "SubjectPublicKeyInfo";
  Reader alg = r.enter(der::kSequence, "algorithm");
  const auto oid = alg.read(der::kOid, "algorithm");
  const Bytes key = der::bit_string_bytes(r.read(der::kBitString, "subjectPublicKey"), "subjectPublicKey");
  r.expect_end();
  PublicKey out;
  if (der::equal(oid.whole, kRsaEncryption)) {
    out.algorithm = KeyAlgorithm::rsa;
    Reader outer(key, "RSAPublicKey");
    Reader k = outer.enter(der::kSequence, "RSAPublicKey");
    outer.expect_end();
    out.modulus = der::unsigned_integer(k.read(der::kInteger, "modulus"), "modulus");
    out.public_exponent = der::unsigned_integer(k.read(der::kInteger, "publicExponent"), "publicExponent");
    k.expect_end();
    return out;
  }
  if (der::equal(oid.whole, kEcPublicKey)) {
    out.algorithm = KeyAlgorithm::ec;
    out.curve = &require_curve(alg.read(der::kOid, "namedCurve"), kWhat);
    alg.expect_end();
    out.point = check_point(key, *out.curve, kWhat);
    return out;
  }
  throw der::Error("certificate: the public key is neither RSA nor EC");
}

}  // namespace

std::uint32_t PrivateKey::bits() const noexcept {
  return algorithm == KeyAlgorithm::rsa ? bit_length(rsa.modulus) : (ec.curve ? ec.curve->bits : 0);
}

std::uint32_t PublicKey::bits() const noexcept {
  return algorithm == KeyAlgorithm::rsa ? bit_length(modulus) : (curve ? curve->bits : 0);
}

PrivateKey parse_private_key(Bytes der) {
  Reader outer(der, "private key");
  Reader r = outer.enter(der::kSequence, "private key SEQUENCE");
  outer.expect_end();
  if (r.peek_tag() == der::kSequence) {
    throw der::Error(
        "the private key is encrypted (PKCS#8 EncryptedPrivateKeyInfo); decrypt it first, e.g. "
        "openssl pkey -in KEY -out PLAIN.pem, and wipe the plain file after the import");
  }
  // All three start with an INTEGER version; what follows tells them apart.
  Reader probe = r;
  probe.read(der::kInteger, "version");
  const auto next = probe.peek_tag();
  if (next == der::kSequence) return parse_pkcs8(r);
  PrivateKey out;
  if (next == der::kInteger) {
    out.format = "PKCS#1";
    out.algorithm = KeyAlgorithm::rsa;
    out.rsa = parse_rsa_private_key(der, "PKCS#1 RSAPrivateKey");
    return out;
  }
  if (next == der::kOctetString) {
    out.format = "SEC1";
    out.algorithm = KeyAlgorithm::ec;
    out.ec = parse_ec_private_key(der, nullptr, "SEC1 ECPrivateKey");
    return out;
  }
  throw der::Error("not a PKCS#8, PKCS#1 or SEC1 private key");
}

Certificate parse_certificate(Bytes der) {
  constexpr std::string_view kWhat = "X.509 certificate";
  Reader outer(der, kWhat);
  Certificate cert;
  {
    Reader probe = outer;
    cert.der = probe.read(der::kSequence, "Certificate").whole;
  }
  Reader c = outer.enter(der::kSequence, "Certificate");
  outer.expect_end();
  Reader tbs = c.enter(der::kSequence, "tbsCertificate");
  c.read(der::kSequence, "signatureAlgorithm");
  c.read(der::kBitString, "signatureValue");
  c.expect_end();

  if (tbs.peek_tag() == der::context(0, true)) {
    Reader version = tbs.enter(der::context(0, true), "version");
    const unsigned long v = der::small_integer(version.read(der::kInteger, "version"), "version");
    version.expect_end();
    if (v > 2) throw der::Error("X.509 certificate: unknown version " + std::to_string(v + 1));
  }
  const auto serial = tbs.read(der::kInteger, "serialNumber");
  if (serial.value.empty()) throw der::Error("X.509 certificate: empty serial number");
  cert.serial_number = serial.whole;
  tbs.read(der::kSequence, "signature");
  cert.issuer = tbs.read(der::kSequence, "issuer").whole;
  tbs.read(der::kSequence, "validity");
  cert.subject = tbs.read(der::kSequence, "subject").whole;
  Reader spki = tbs.enter(der::kSequence, "subjectPublicKeyInfo");
  cert.public_key = parse_subject_public_key_info(spki);
  // issuerUniqueID, subjectUniqueID and extensions follow; nothing there is needed.
  return cert;
}

const p11::EcCurve* curve_from_params(Bytes params) {
  for (const auto& c : p11::all_ec_curves())
    if (der::equal(params, c.der_oid)) return &c;
  return nullptr;
}

std::vector<std::uint8_t> encode_subject_public_key_info(const PublicKey& key) {
  std::vector<std::uint8_t> algorithm, subject_key;
  if (key.algorithm == KeyAlgorithm::rsa) {
    algorithm = der::encode(der::kSequence, der::concat({kRsaEncryption, kDerNull}));
    const auto n = der::encode_unsigned_integer(key.modulus);
    const auto e = der::encode_unsigned_integer(key.public_exponent);
    subject_key = der::encode(der::kSequence, der::concat({n, e}));
  } else {
    algorithm = der::encode(der::kSequence, der::concat({kEcPublicKey, key.curve->der_oid}));
    subject_key.assign(key.point.begin(), key.point.end());
  }
  const auto bits = der::encode_bit_string(subject_key);
  return der::encode(der::kSequence, der::concat({algorithm, bits}));
}

std::optional<bool> same_key(const PrivateKey& priv, const PublicKey& pub) {
  if (priv.algorithm != pub.algorithm) return false;
  if (priv.algorithm == KeyAlgorithm::rsa) {
    return der::equal(priv.rsa.modulus, pub.modulus) && der::equal(priv.rsa.public_exponent, pub.public_exponent);
  }
  if (priv.ec.curve != pub.curve) return false;
  if (!priv.ec.public_point) return std::nullopt;
  return der::equal(*priv.ec.public_point, pub.point);
}

}  // namespace sslp11::cli
