// sslp11-admin's key and certificate files (src/cli/key_formats.h: OpenSSL
// decodes, sslp11 picks the block and takes the key apart with
// keyfile/key_parts.h), with OpenSSL as the oracle: keys and certificates
// OpenSSL writes must give the values OpenSSL reports, exports must be
// byte-identical to OpenSSL's, and each kind of bad file must be refused
// with its own message (every truncation, bit flips: an error, never a
// crash; the ASan build runs this too).
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>

#include <cctype>
#include <ostream>
#include <random>

#include "cli/key_formats.h"
#include "cli/support/openssl_keys.h"

namespace sslp11::test {
namespace {

using Span = std::span<const std::uint8_t>;

Span view(const test::Bytes& b) { return {b.data(), b.size()}; }
test::Bytes copy(const p11::SecureBytes& b) { return test::Bytes(b.data(), b.data() + b.size()); }

// The DER inside a PEM text, as OpenSSL reads it.
test::Bytes pem_der(const std::string& text) {
  BIO* bio = BIO_new_mem_buf(text.data(), static_cast<int>(text.size()));
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long len = 0;
  const int ok = PEM_read_bio(bio, &name, &header, &data, &len);
  BIO_free(bio);
  test::Bytes out;
  if (ok == 1) out.assign(data, data + len);
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_free(data);
  return out;
}

// The FormatError's message, or "(accepted)".
template <class Parse>
std::string refusal(Parse parse) {
  try {
    parse();
  } catch (const cli::FormatError& e) {
    return e.what();
  }
  return "(accepted)";
}

std::string key_refusal(const std::string& contents) {
  const test::Bytes bytes = to_bytes(contents);
  return refusal([&] { cli::parse_private_key(view(bytes)); });
}

std::string certificate_refusal(const std::string& contents) {
  const test::Bytes bytes = to_bytes(contents);
  return refusal([&] { cli::parse_certificate(view(bytes)); });
}

#define EXPECT_MESSAGE(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

// --- private keys ----------------------------------------------------------

struct KeyCase {
  std::string spec;
  KeyEncoding encoding;
  const char* format;
};

void PrintTo(const KeyCase& c, std::ostream* os) { *os << c.spec << " " << c.format; }

class PrivateKeys : public ::testing::TestWithParam<KeyCase> {};

TEST_P(PrivateKeys, ParseToOpenSslsValues) {
  const KeyCase& c = GetParam();
  const OpenSslKey key(c.spec, "k");
  const test::Bytes file = to_bytes(key.private_key(c.encoding));
  const cli::PrivateKey parsed = cli::parse_private_key(view(file));
  EXPECT_EQ(parsed.format, c.format);
  EXPECT_EQ(parsed.bits(), static_cast<std::uint32_t>(EVP_PKEY_get_bits(key.key())));
  const keyfile::PrivateParts& k = parsed.parts;
  if (c.spec.rfind("rsa", 0) == 0) {
    ASSERT_EQ(parsed.algorithm(), cli::KeyAlgorithm::rsa);
    EXPECT_EQ(k.pub.modulus, key.bn_param(OSSL_PKEY_PARAM_RSA_N));
    EXPECT_EQ(k.pub.public_exponent, key.bn_param(OSSL_PKEY_PARAM_RSA_E));
    EXPECT_EQ(copy(k.private_exponent), key.bn_param(OSSL_PKEY_PARAM_RSA_D));
    EXPECT_EQ(copy(k.prime1), key.bn_param(OSSL_PKEY_PARAM_RSA_FACTOR1));
    EXPECT_EQ(copy(k.prime2), key.bn_param(OSSL_PKEY_PARAM_RSA_FACTOR2));
    EXPECT_EQ(copy(k.exponent1), key.bn_param(OSSL_PKEY_PARAM_RSA_EXPONENT1));
    EXPECT_EQ(copy(k.exponent2), key.bn_param(OSSL_PKEY_PARAM_RSA_EXPONENT2));
    EXPECT_EQ(copy(k.coefficient), key.bn_param(OSSL_PKEY_PARAM_RSA_COEFFICIENT1));
  } else {
    ASSERT_EQ(parsed.algorithm(), cli::KeyAlgorithm::ec);
    ASSERT_NE(k.pub.curve, nullptr);
    EXPECT_EQ(k.pub.curve->bits, parsed.bits());
    EXPECT_EQ(k.pub.ec_params, test::Bytes(k.pub.curve->der_oid.begin(), k.pub.curve->der_oid.end()));
    EXPECT_EQ(copy(k.ec_value), key.bn_param(OSSL_PKEY_PARAM_PRIV_KEY));
    EXPECT_EQ(k.pub.point, key.ec_point());
  }
}

INSTANTIATE_TEST_SUITE_P(
    OpenSsl, PrivateKeys,
    ::testing::Values(KeyCase{"rsa:2048", KeyEncoding::pkcs8_pem, "PKCS#8"},
                      KeyCase{"rsa:2048", KeyEncoding::pkcs8_der, "PKCS#8"},
                      KeyCase{"rsa:3072", KeyEncoding::traditional_pem, "PKCS#1"},
                      KeyCase{"rsa:2048", KeyEncoding::traditional_der, "PKCS#1"},
                      KeyCase{"ec:P-256", KeyEncoding::pkcs8_pem, "PKCS#8"},
                      KeyCase{"ec:P-384", KeyEncoding::pkcs8_der, "PKCS#8"},
                      KeyCase{"ec:P-521", KeyEncoding::traditional_pem, "SEC1"},
                      KeyCase{"ec:P-256", KeyEncoding::traditional_der, "SEC1"}),
    [](const auto& info) {
      std::string name = info.param.spec + "_" + info.param.format + "_" + std::to_string(info.index);
      for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      return name;
    });

TEST(PrivateKeys, FirstKeyBlockAmongOtherText) {
  const OpenSslKey key("ec:P-256", "k");
  const std::string text = "Bag Attributes: junk\n" + key.certificate_pem() + "text\n" +
                           key.private_key(KeyEncoding::pkcs8_pem);
  const test::Bytes bytes = to_bytes(text);
  EXPECT_EQ(cli::parse_private_key(view(bytes)).parts.pub.point, key.ec_point());
}

TEST(PrivateKeysRefused, EncryptedKeysGetAClearMessage) {
  const OpenSslKey key("rsa:2048", "k");
  const std::string pem = key.private_key(KeyEncoding::encrypted_pkcs8_pem);
  const test::Bytes der = pem_der(pem);
  const std::string legacy =
      "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n"
      "-----END RSA PRIVATE KEY-----\n";
  for (const std::string& why : {key_refusal(pem), key_refusal(std::string(der.begin(), der.end())),
                                 key_refusal(legacy)}) {
    EXPECT_MESSAGE(why, "the private key is encrypted; decrypt it first (openssl pkey");
  }
}

TEST(PrivateKeysRefused, RsaKeyWhoseModulusIsNotPQ) {
  const OpenSslKey key("rsa:2048", "npq");
  EXPECT_MESSAGE(key_refusal(rsa_key_with_wrong_modulus(key)), "OpenSSL's key check fails: ");
}

TEST(PrivateKeysRefused, UnsupportedCurveAlgorithmAndSize) {
  const OpenSslKey k1("ec:secp256k1", "k");
  EXPECT_MESSAGE(key_refusal(k1.private_key(KeyEncoding::pkcs8_der)),
                 "the key's curve secp256k1 is not one sslp11 supports (P-256, P-384, P-521)");
  EXPECT_MESSAGE(certificate_refusal(k1.certificate_pem()),
                 "the certificate's curve secp256k1 is not one sslp11 supports");
  const OpenSslKey small("rsa:768", "k");
  EXPECT_MESSAGE(key_refusal(small.private_key(KeyEncoding::pkcs8_pem)),
                 "the key's RSA modulus is shorter than 1024 bits");
  const std::unique_ptr<EVP_PKEY, PkeyDeleter> ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  ASSERT_TRUE(ed);
  BIO* bio = BIO_new(BIO_s_mem());
  ASSERT_EQ(PEM_write_bio_PrivateKey(bio, ed.get(), nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* text = nullptr;
  const long len = BIO_get_mem_data(bio, &text);
  const std::string ed_pem(text, static_cast<std::size_t>(len));
  BIO_free(bio);
  EXPECT_MESSAGE(key_refusal(ed_pem), "the key is neither RSA nor EC");
}

TEST(PemRefused, WrongTypeAndMalformedBlocks) {
  const OpenSslKey key("ec:P-256", "k");
  EXPECT_MESSAGE(key_refusal(key.certificate_pem()),
                 "no PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block in the PEM text");
  EXPECT_MESSAGE(certificate_refusal(key.private_key(KeyEncoding::pkcs8_pem)), "no CERTIFICATE block in the PEM text");

  std::string unterminated = key.certificate_pem();
  unterminated.resize(unterminated.find("-----END"));
  std::string wrong_end = key.certificate_pem();
  wrong_end.replace(wrong_end.find("END CERTIFICATE"), 15, "END PRIVATE KEY");
  std::string bad_base64 = key.certificate_pem();
  bad_base64[bad_base64.find('\n') + 5] = '*';
  for (const std::string& text : {unterminated, wrong_end, bad_base64}) {
    EXPECT_MESSAGE(certificate_refusal(text), "malformed PEM: ");
  }
}

// --- certificates ------------------------------------------------------------

TEST(Certificates, FieldsAreOpenSslsEncodings) {
  for (const char* spec : {"rsa:2048", "ec:P-256", "ec:P-384"}) {
    SCOPED_TRACE(spec);
    const OpenSslKey key(spec, "www.example.test");
    const test::Bytes der = key.certificate_der();
    const test::Bytes pem = to_bytes(key.certificate_pem());
    for (const cli::Certificate& cert : {cli::parse_certificate(view(der)), cli::parse_certificate(view(pem))}) {
      EXPECT_EQ(cert.der, der);
      EXPECT_EQ(cert.subject, key.subject_der());
      EXPECT_EQ(cert.issuer, key.issuer_der());
      EXPECT_EQ(cert.serial_number, key.serial_der());
      EXPECT_EQ(cert.chain_rest, 0u);
      // The public key and certificate written by sslp11 are OpenSSL's PEM.
      EXPECT_EQ(cli::public_key_pem(cert.public_key), key.public_key_pem());
      EXPECT_EQ(cli::pem_block("CERTIFICATE", cert.der), key.certificate_pem());
      // And it matches the private key it was made for, not another one.
      const test::Bytes priv = to_bytes(key.private_key(KeyEncoding::pkcs8_der));
      EXPECT_TRUE(cli::same_key(cli::parse_private_key(view(priv)), cert.public_key));
      const OpenSslKey other(spec, "other");
      const test::Bytes other_priv = to_bytes(other.private_key(KeyEncoding::pkcs8_der));
      EXPECT_FALSE(cli::same_key(cli::parse_private_key(view(other_priv)), cert.public_key));
    }
  }
}

TEST(Certificates, FirstOfAChain) {
  const OpenSslKey leaf("ec:P-256", "leaf"), ca("ec:P-256", "ca");
  const test::Bytes chain = to_bytes("Bag Attributes: junk\n" + leaf.certificate_pem() + "text between\n" +
                                     ca.certificate_pem());
  const cli::Certificate cert = cli::parse_certificate(view(chain));
  EXPECT_EQ(cert.der, leaf.certificate_der());
  EXPECT_EQ(cert.chain_rest, 1u);
}

TEST(CertificatesRefused, OpenSslCannotParseIt) {
  const OpenSslKey key("ec:P-256", "x509");
  const test::Bytes broken = certificate_openssl_refuses(key);
  EXPECT_MESSAGE(certificate_refusal(std::string(broken.begin(), broken.end())),
                 "OpenSSL cannot parse the certificate: ");
  test::Bytes longer = key.certificate_der();
  longer.push_back(0);
  EXPECT_MESSAGE(certificate_refusal(std::string(longer.begin(), longer.end())),
                 "OpenSSL parses a certificate followed by stray bytes");
}

// --- malformed input ----------------------------------------------------------

template <class Parse>
void every_truncation_is_refused(const test::Bytes& der, Parse parse) {
  for (std::size_t n = 0; n < der.size(); ++n) {
    EXPECT_THROW(parse(Span(der.data(), n)), cli::FormatError) << "prefix of " << n << " bytes";
  }
  test::Bytes longer = der;
  longer.push_back(0);
  EXPECT_THROW(parse(view(longer)), cli::FormatError) << "trailing byte";
}

// Flipped bits may still parse (e.g. inside an integer); they must never
// crash. Few: a flipped RSA key that decodes goes through OpenSSL's key
// check, primality tests included.
template <class Parse>
void bit_flips_do_not_crash(const test::Bytes& der, Parse parse, int flips) {
  std::mt19937 rng(11);
  for (int i = 0; i < flips; ++i) {
    test::Bytes mutated = der;
    const std::size_t at = rng() % mutated.size();
    mutated[at] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
    try {
      parse(view(mutated));
    } catch (const cli::FormatError&) {
    }
  }
}

TEST(Malformed, PrivateKeysAreRefused) {
  for (const char* spec : {"rsa:2048", "ec:P-256"}) {
    const OpenSslKey key(spec, "k");
    for (auto encoding : {KeyEncoding::pkcs8_der, KeyEncoding::traditional_der}) {
      const test::Bytes der = to_bytes(key.private_key(encoding));
      every_truncation_is_refused(der, [](Span b) { return cli::parse_private_key(b); });
      bit_flips_do_not_crash(der, [](Span b) { return cli::parse_private_key(b); }, spec[0] == 'r' ? 100 : 500);
    }
  }
}

TEST(Malformed, CertificatesAreRefused) {
  const OpenSslKey key("ec:P-256", "k");
  const test::Bytes der = key.certificate_der();
  every_truncation_is_refused(der, [](Span b) { return cli::parse_certificate(b); });
  bit_flips_do_not_crash(der, [](Span b) { return cli::parse_certificate(b); }, 2000);
}

}  // namespace
}  // namespace sslp11::test
