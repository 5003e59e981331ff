// The file-format code of sslp11-admin (src/cli/der, pem, key_formats), with
// OpenSSL as the oracle:
// keys and certificates OpenSSL writes must parse to the values OpenSSL
// reports, exports must be byte-identical to OpenSSL's, and malformed input
// (every truncation, bit flips) must be refused with an error, never a crash
// (the ASan build runs this too).
#include <gtest/gtest.h>
#include <openssl/core_names.h>

#include <cctype>
#include <ostream>
#include <random>

#include "cli/der.h"
#include "cli/key_formats.h"
#include "cli/pem.h"
#include "cli/support/openssl_keys.h"

namespace sslp11::test {
namespace {

using cli::der::Bytes;

Bytes view(const test::Bytes& b) { return {b.data(), b.size()}; }
test::Bytes copy(cli::der::Bytes b) { return test::Bytes(b.begin(), b.end()); }
test::Bytes copy(const p11::SecureBytes& b) { return test::Bytes(b.data(), b.data() + b.size()); }

// The DER inside a PEM text, decoded by sslp11's PEM decoder.
test::Bytes pem_der(const std::string& text) {
  const auto blocks = cli::pem::decode_all({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
  EXPECT_EQ(blocks.size(), 1u);
  return blocks.empty() ? test::Bytes{} : copy(blocks[0].der);
}

// --- PEM and base64 -------------------------------------------------------

TEST(Pem, Base64RoundTripsEveryLength) {
  std::mt19937 rng(7);
  for (std::size_t n = 0; n < 70; ++n) {
    test::Bytes data(n);
    for (auto& b : data) b = static_cast<std::uint8_t>(rng());
    const std::string text = cli::pem::base64_encode(data);
    EXPECT_EQ(text.size() % 4, 0u);
    EXPECT_EQ(copy(cli::pem::base64_decode(text)), data) << n;
  }
}

TEST(Pem, Base64RejectsMalformedText) {
  for (const char* bad : {"A", "AB", "ABC", "A===", "AB=C", "AB==CD==", "A B\x01", "YQ==YQ==", "YR=="}) {
    EXPECT_THROW(cli::pem::base64_decode(bad), cli::pem::Error) << bad;
  }
  EXPECT_EQ(copy(cli::pem::base64_decode(" Y W\nJj \r\n")), to_bytes("abc"));
}

TEST(Pem, EncodeMatchesOpenSsl) {
  const OpenSslKey key("ec:P-256", "pem");
  EXPECT_EQ(cli::pem::encode("CERTIFICATE", key.certificate_der()), key.certificate_pem());
  EXPECT_EQ(cli::pem::encode("PUBLIC KEY", key.subject_public_key_info()), key.public_key_pem());
}

TEST(Pem, FindsBlocksAmongOtherTextAndRefusesBrokenOnes) {
  const OpenSslKey key("ec:P-256", "chain");
  const std::string two = "Bag Attributes: junk\n" + key.certificate_pem() + "text between\n" + key.certificate_pem();
  const auto blocks = cli::pem::decode_all(view(to_bytes(two)));
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[1].label, "CERTIFICATE");
  EXPECT_EQ(copy(blocks[1].der), key.certificate_der());

  std::string unterminated = key.certificate_pem();
  unterminated.resize(unterminated.find("-----END"));
  EXPECT_THROW(cli::pem::decode_all(view(to_bytes(unterminated))), cli::pem::Error);
  std::string wrong_end = key.certificate_pem();
  wrong_end.replace(wrong_end.find("END CERTIFICATE"), 15, "END PRIVATE KEY");
  EXPECT_THROW(cli::pem::decode_all(view(to_bytes(wrong_end))), cli::pem::Error);
}

TEST(Pem, LegacyEncryptedBlocksAreMarked) {
  const std::string text =
      "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n"
      "-----END RSA PRIVATE KEY-----\n";
  const auto blocks = cli::pem::decode_all(view(to_bytes(text)));
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_TRUE(blocks[0].has_headers);
}

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
  const std::string file = key.private_key(c.encoding);
  const bool pem = c.encoding == KeyEncoding::pkcs8_pem || c.encoding == KeyEncoding::traditional_pem;
  const test::Bytes der = pem ? pem_der(file) : to_bytes(file);
  const cli::PrivateKey parsed = cli::parse_private_key(view(der));
  EXPECT_EQ(parsed.format, c.format);
  if (c.spec.rfind("rsa", 0) == 0) {
    ASSERT_EQ(parsed.algorithm, cli::KeyAlgorithm::rsa);
    EXPECT_EQ(copy(parsed.rsa.modulus), key.bn_param(OSSL_PKEY_PARAM_RSA_N));
    EXPECT_EQ(copy(parsed.rsa.public_exponent), key.bn_param(OSSL_PKEY_PARAM_RSA_E));
    EXPECT_EQ(copy(parsed.rsa.private_exponent), key.bn_param(OSSL_PKEY_PARAM_RSA_D));
    EXPECT_EQ(copy(parsed.rsa.prime1), key.bn_param(OSSL_PKEY_PARAM_RSA_FACTOR1));
    EXPECT_EQ(copy(parsed.rsa.prime2), key.bn_param(OSSL_PKEY_PARAM_RSA_FACTOR2));
    EXPECT_EQ(copy(parsed.rsa.exponent1), key.bn_param(OSSL_PKEY_PARAM_RSA_EXPONENT1));
    EXPECT_EQ(copy(parsed.rsa.exponent2), key.bn_param(OSSL_PKEY_PARAM_RSA_EXPONENT2));
    EXPECT_EQ(copy(parsed.rsa.coefficient), key.bn_param(OSSL_PKEY_PARAM_RSA_COEFFICIENT1));
    EXPECT_EQ(parsed.bits(), static_cast<std::uint32_t>(EVP_PKEY_get_bits(key.key())));
  } else {
    ASSERT_EQ(parsed.algorithm, cli::KeyAlgorithm::ec);
    ASSERT_NE(parsed.ec.curve, nullptr);
    EXPECT_EQ(parsed.ec.curve->bits, static_cast<std::uint32_t>(EVP_PKEY_get_bits(key.key())));
    // The scalar as written may carry leading zeros OpenSSL's BIGNUM drops.
    test::Bytes scalar = copy(parsed.ec.private_value);
    while (scalar.size() > 1 && scalar[0] == 0) scalar.erase(scalar.begin());
    EXPECT_EQ(scalar, key.bn_param(OSSL_PKEY_PARAM_PRIV_KEY));
    ASSERT_TRUE(parsed.ec.public_point.has_value());
    EXPECT_EQ(copy(*parsed.ec.public_point), key.ec_point());
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

TEST(PrivateKeysRefused, EncryptedPkcs8) {
  const OpenSslKey key("rsa:2048", "k");
  const test::Bytes der = pem_der(key.private_key(KeyEncoding::encrypted_pkcs8_pem));
  try {
    cli::parse_private_key(view(der));
    FAIL() << "an encrypted key parsed";
  } catch (const cli::der::Error& e) {
    EXPECT_NE(std::string(e.what()).find("encrypted"), std::string::npos) << e.what();
  }
}

TEST(PrivateKeysRefused, UnsupportedCurve) {
  const OpenSslKey key("ec:secp256k1", "k");
  const test::Bytes der = to_bytes(key.private_key(KeyEncoding::pkcs8_der));
  EXPECT_THROW(cli::parse_private_key(view(der)), cli::der::Error);
}

// --- certificates ------------------------------------------------------------

TEST(Certificates, FieldsAreOpenSslsEncodings) {
  for (const char* spec : {"rsa:2048", "ec:P-256", "ec:P-384"}) {
    SCOPED_TRACE(spec);
    const OpenSslKey key(spec, "www.example.test");
    const test::Bytes der = key.certificate_der();
    const cli::Certificate cert = cli::parse_certificate(view(der));
    EXPECT_EQ(copy(cert.der), der);
    EXPECT_EQ(copy(cert.subject), key.subject_der());
    EXPECT_EQ(copy(cert.issuer), key.issuer_der());
    EXPECT_EQ(copy(cert.serial_number), key.serial_der());
    // The public key re-encoded by sslp11 is OpenSSL's SubjectPublicKeyInfo.
    EXPECT_EQ(cli::encode_subject_public_key_info(cert.public_key), key.subject_public_key_info());
    // And it matches the private key it was made for, not another one.
    const test::Bytes priv = to_bytes(key.private_key(KeyEncoding::pkcs8_der));
    EXPECT_EQ(cli::same_key(cli::parse_private_key(view(priv)), cert.public_key), std::optional<bool>(true));
    const OpenSslKey other(spec, "other");
    const test::Bytes other_priv = to_bytes(other.private_key(KeyEncoding::pkcs8_der));
    EXPECT_EQ(cli::same_key(cli::parse_private_key(view(other_priv)), cert.public_key), std::optional<bool>(false));
  }
}

// --- malformed input ----------------------------------------------------------

template <class Parse>
void every_truncation_is_refused(const test::Bytes& der, Parse parse) {
  for (std::size_t n = 0; n < der.size(); ++n) {
    EXPECT_THROW(parse(Bytes(der.data(), n)), cli::der::Error) << "prefix of " << n << " bytes";
  }
  test::Bytes longer = der;
  longer.push_back(0);
  EXPECT_THROW(parse(view(longer)), cli::der::Error) << "trailing byte";
}

// Flipped bits may still parse (e.g. inside an integer); they must never crash.
template <class Parse>
void bit_flips_do_not_crash(const test::Bytes& der, Parse parse) {
  std::mt19937 rng(11);
  for (int i = 0; i < 2000; ++i) {
    test::Bytes mutated = der;
    const std::size_t at = rng() % mutated.size();
    mutated[at] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
    try {
      parse(view(mutated));
    } catch (const cli::der::Error&) {
    }
  }
}

TEST(Malformed, PrivateKeysAreRefused) {
  for (const char* spec : {"rsa:2048", "ec:P-256"}) {
    const OpenSslKey key(spec, "k");
    for (auto encoding : {KeyEncoding::pkcs8_der, KeyEncoding::traditional_der}) {
      const test::Bytes der = to_bytes(key.private_key(encoding));
      every_truncation_is_refused(der, [](Bytes b) { return cli::parse_private_key(b); });
      bit_flips_do_not_crash(der, [](Bytes b) { return cli::parse_private_key(b); });
    }
  }
}

TEST(Malformed, CertificatesAreRefused) {
  const OpenSslKey key("ec:P-256", "k");
  const test::Bytes der = key.certificate_der();
  every_truncation_is_refused(der, [](Bytes b) { return cli::parse_certificate(b); });
  bit_flips_do_not_crash(der, [](Bytes b) { return cli::parse_certificate(b); });
}

TEST(Malformed, DerLengthForms) {
  // Indefinite, non-minimal, oversized and overlong lengths.
  for (const test::Bytes& bad : {test::Bytes{0x30, 0x80, 0x00, 0x00}, test::Bytes{0x30, 0x81, 0x05, 1, 2, 3, 4, 5},
                                 test::Bytes{0x30, 0x82, 0x00, 0x05, 1, 2, 3, 4, 5},
                                 test::Bytes{0x30, 0x85, 1, 0, 0, 0, 0},
                                 test::Bytes{0x30, 0x84, 0xff, 0xff, 0xff, 0xff},
                                 test::Bytes{0x1f, 0x01, 0x00}}) {
    EXPECT_THROW(cli::der::parse_single(view(bad), "test"), cli::der::Error);
  }
  const test::Bytes ok{0x30, 0x81, 0x80};
  test::Bytes long_ok = ok;
  long_ok.resize(3 + 0x80, 0x05);
  EXPECT_EQ(cli::der::parse_single(view(long_ok), "test").value.size(), 0x80u);
}

}  // namespace
}  // namespace sslp11::test
