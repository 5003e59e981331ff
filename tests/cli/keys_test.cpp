// `sslp11-admin keygen`, `import`, `objects`, `export` and `delete`, run as a
// child process against throwaway SoftHSMv2 tokens. Keys and certificates
// come from OpenSSL; after an import the provider itself (SslOpenPrivateKey,
// in this process) must find the key from the certificate.
#include <gtest/gtest.h>
#include <openssl/core_names.h>

#include <sslp11/sslprovider.h>

#include "cli/support/admin_runner.h"
#include "cli/support/openssl_keys.h"
#include "support/provider_env.h"

namespace sslp11::test {
namespace {

using boost::property_tree::ptree;

std::vector<ptree> objects_of(const AdminToken& t) {
  const auto r = run_admin(Args{"objects", "--json"} + t.user(), t.env());
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  return array(parse_json(r), "objects");
}

const ptree* find_object(const std::vector<ptree>& objects, const std::string& cls, const std::string& label) {
  for (const auto& o : objects)
    if (o.get<std::string>("class") == cls && o.get<std::string>("label") == label) return &o;
  return nullptr;
}

void expect_locked_private_key(const std::vector<ptree>& objects, const std::string& label) {
  const ptree* key = find_object(objects, "private-key", label);
  ASSERT_NE(key, nullptr) << "no private key '" << label << "'";
  EXPECT_TRUE(key->get<bool>("sensitive"));
  EXPECT_FALSE(key->get<bool>("extractable"));
  EXPECT_TRUE(key->get<bool>("private"));
  EXPECT_TRUE(key->get<bool>("token"));
}

// SslOpenPrivateKey on a provider configured for `t` finds the key of `der`.
SECURITY_STATUS open_private_key(const AdminToken& t, const Bytes& der) {
  // The provider in this process reads its PIN from the same variable the child got.
  setenv(t.user_pin_var.c_str(), t.spec.user_pin.c_str(), 1);
  setenv("SSLP11_CONF", t.write_config("provider").c_str(), 1);
  NCRYPT_PROV_HANDLE provider = 0;
  const SECURITY_STATUS open = SslOpenProvider(&provider, nullptr, 0);
  if (open != ERROR_SUCCESS) {
    ADD_FAILURE() << "SslOpenProvider: " << last_error();
    return open;
  }
  std::vector<BYTE> copy(der.begin(), der.end());
  CERT_CONTEXT context{X509_ASN_ENCODING, copy.data(), static_cast<DWORD>(copy.size()), nullptr, nullptr};
  NCRYPT_KEY_HANDLE key = 0;
  const SECURITY_STATUS status = SslOpenPrivateKey(provider, &key, &context, 0);
  if (key != 0) SslFreeObject(key, 0);
  SslFreeObject(provider, 0);
  return status;
}

TEST(Keygen, RsaAndEcKeysAreLockedOnTheToken) {
  const AdminToken t("cli-keygen");
  for (const auto& [spec, label] : {std::pair{"rsa:2048", "r"}, std::pair{"rsa:3072", "r3072"},
                                    std::pair{"rsa:4096", "r4096"}, std::pair{"ec:p256", "e256"},
                                    std::pair{"ec:p384", "e384"}, std::pair{"ec:p521", "e521"}}) {
    const auto r = run_admin(Args{"keygen", spec, "--label", label, "--json"} + t.user(), t.env());
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_EQ(parse_json(r).get<std::string>("id").size(), 32u) << "16 random bytes by default";
  }
  const auto objects = objects_of(t);
  EXPECT_EQ(objects.size(), 12u);
  for (const auto& [label, bits, type] :
       {std::tuple{"r", 2048, "rsa"}, std::tuple{"r3072", 3072, "rsa"}, std::tuple{"r4096", 4096, "rsa"},
        std::tuple{"e256", 256, "ec"}, std::tuple{"e384", 384, "ec"}, std::tuple{"e521", 521, "ec"}}) {
    SCOPED_TRACE(label);
    expect_locked_private_key(objects, label);
    const ptree* priv = find_object(objects, "private-key", label);
    const ptree* pub = find_object(objects, "public-key", label);
    ASSERT_NE(pub, nullptr);
    EXPECT_EQ(priv->get<int>("bits"), bits);
    EXPECT_EQ(priv->get<std::string>("key_type"), type);
    EXPECT_TRUE(priv->get<bool>("local")) << "generated on the token";
    EXPECT_EQ(pub->get<std::string>("id"), priv->get<std::string>("id"));
  }
}

TEST(Keygen, GivenIdAndDuplicateRefused) {
  const AdminToken t("cli-keygen-id");
  const auto first = run_admin(Args{"keygen", "ec:p256", "--label", "a", "--id", "0a:0b"} + t.user(), t.env());
  ASSERT_EQ(first.exit_code, 0) << describe(first);
  const auto objects = objects_of(t);
  ASSERT_NE(find_object(objects, "private-key", "a"), nullptr);
  EXPECT_EQ(find_object(objects, "private-key", "a")->get<std::string>("id"), "0a0b");
  const auto again = run_admin(Args{"keygen", "rsa:2048", "--label", "b", "--id", "0a0b"} + t.user(), t.env());
  EXPECT_EQ(again.exit_code, 1) << describe(again);
  EXPECT_NE(again.err.find("already has a private-key with id 0a0b"), std::string::npos) << again.err;
}

struct ImportCase {
  std::string key_spec;
  KeyEncoding key_encoding;
  bool cert_pem;
};

void PrintTo(const ImportCase& c, std::ostream* os) {
  *os << c.key_spec << " key encoding " << static_cast<int>(c.key_encoding) << (c.cert_pem ? ", PEM" : ", DER")
      << " certificate";
}

class Import : public ::testing::TestWithParam<ImportCase> {};

TEST_P(Import, KeyAndCertificateEndLockedAndLinked) {
  const ImportCase& c = GetParam();
  const AdminToken t("cli-import");
  const OpenSslKey key(c.key_spec, "import.example.test");
  const std::string key_file = write_test_file("key", key.private_key(c.key_encoding));
  const Bytes der = key.certificate_der();
  const std::string cert_file =
      write_test_file("cert", c.cert_pem ? key.certificate_pem() : std::string(der.begin(), der.end()));

  const Args import{"import", "--key", key_file, "--cert", cert_file, "--label", "web", "--json"};
  const auto r = run_admin(import + t.user(), t.env());
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const ptree result = parse_json(r);
  EXPECT_TRUE(result.get<bool>("certificate"));
  EXPECT_TRUE(result.get<bool>("public_key"));

  const auto objects = objects_of(t);
  ASSERT_EQ(objects.size(), 3u);
  expect_locked_private_key(objects, "web");
  const ptree* cert = find_object(objects, "certificate", "web");
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(cert->get<std::string>("id"), find_object(objects, "private-key", "web")->get<std::string>("id"));
  EXPECT_FALSE(find_object(objects, "private-key", "web")->get<bool>("local")) << "imported, not generated";

  // The certificate comes back byte for byte, the public key as OpenSSL writes it.
  const auto cert_pem = run_admin(Args{"export", "--label", "web", "--type", "cert"} + t.user(), t.env());
  ASSERT_EQ(cert_pem.exit_code, 0) << describe(cert_pem);
  EXPECT_EQ(cert_pem.out, key.certificate_pem());
  const auto pub_pem = run_admin(Args{"export", "--label", "web", "--type", "pubkey"} + t.user(), t.env());
  ASSERT_EQ(pub_pem.exit_code, 0) << describe(pub_pem);
  EXPECT_EQ(pub_pem.out, key.public_key_pem());

  // The provider finds the private key from the certificate.
  EXPECT_EQ(open_private_key(t, der), ERROR_SUCCESS) << last_error();
}

INSTANTIATE_TEST_SUITE_P(
    Encodings, Import,
    ::testing::Values(ImportCase{"rsa:2048", KeyEncoding::pkcs8_pem, true},
                      ImportCase{"rsa:2048", KeyEncoding::pkcs8_der, false},
                      ImportCase{"rsa:2048", KeyEncoding::traditional_pem, true},
                      ImportCase{"rsa:2048", KeyEncoding::traditional_der, false},
                      ImportCase{"ec:P-256", KeyEncoding::pkcs8_pem, false},
                      ImportCase{"ec:P-256", KeyEncoding::traditional_pem, true},
                      ImportCase{"ec:P-384", KeyEncoding::pkcs8_der, true},
                      ImportCase{"ec:P-384", KeyEncoding::traditional_der, false}),
    [](const auto& info) { return std::string("case") + std::to_string(info.index); });

TEST(ImportThenDoctor, DoctorFindsTheKeyFromTheCertificate) {
  const AdminToken t("cli-import-doc");
  const OpenSslKey key("ec:P-256", "doctor.example.test");
  const std::string pem = key.private_key(KeyEncoding::pkcs8_pem) + key.certificate_pem();
  const std::string both = write_test_file("both.pem", pem);  // key and certificate in one file
  const auto r = run_admin(Args{"import", "--key", both, "--cert", both, "--label", "site"} + t.user(), t.env());
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const auto doctor = run_admin({"doctor", "--json", "--config", t.write_config("site")}, t.env());
  ASSERT_EQ(doctor.exit_code, 0) << describe(doctor);
  const ptree d = parse_json(doctor);
  const auto keys = array(d, "keys");
  ASSERT_EQ(keys.size(), 1u) << doctor.out;
  EXPECT_TRUE(keys[0].get<bool>("found")) << doctor.out;
  EXPECT_FALSE(keys[0].get<bool>("warning")) << doctor.out;
  EXPECT_EQ(d.get<std::string>("provider.status"), "ok") << doctor.out;
  EXPECT_EQ(d.get<int>("provider.keys_found"), 1) << doctor.out;
}

TEST(ImportCertificateLater, LinksToTheMatchingGeneratedKey) {
  // keygen on the token, certificate issued elsewhere, then imported alone.
  const AdminToken t("cli-import-later");
  const OpenSslKey key("rsa:2048", "later.example.test");
  const std::string key_file = write_test_file("key.pem", key.private_key(KeyEncoding::pkcs8_pem));
  const auto with_key = run_admin(Args{"import", "--key", key_file, "--label", "k", "--id", "77"} + t.user(), t.env());
  ASSERT_EQ(with_key.exit_code, 0) << describe(with_key);
  const std::string cert_file = write_test_file("cert.pem", key.certificate_pem());
  const auto cert = run_admin(Args{"import", "--cert", cert_file, "--label", "k-cert", "--json"} + t.user(), t.env());
  ASSERT_EQ(cert.exit_code, 0) << describe(cert);
  EXPECT_EQ(parse_json(cert).get<std::string>("id"), "77") << "the certificate takes the id of its key";
  EXPECT_EQ(open_private_key(t, key.certificate_der()), ERROR_SUCCESS) << last_error();
}

TEST(ImportRefused, MismatchedEncryptedAndBrokenFiles) {
  const AdminToken t("cli-import-bad");
  const OpenSslKey key("rsa:2048", "a"), other("rsa:2048", "b");
  const std::string key_file = write_test_file("key.pem", key.private_key(KeyEncoding::pkcs8_pem));
  const std::string other_cert = write_test_file("other.pem", other.certificate_pem());
  const auto mismatch =
      run_admin(Args{"import", "--key", key_file, "--cert", other_cert, "--label", "x"} + t.user(), t.env());
  EXPECT_EQ(mismatch.exit_code, 1) << describe(mismatch);
  EXPECT_NE(mismatch.err.find("does not belong"), std::string::npos) << mismatch.err;

  const std::string encrypted = write_test_file("enc.pem", key.private_key(KeyEncoding::encrypted_pkcs8_pem));
  const auto enc = run_admin(Args{"import", "--key", encrypted, "--label", "x"} + t.user(), t.env());
  EXPECT_EQ(enc.exit_code, 2) << describe(enc);
  EXPECT_NE(enc.err.find("encrypted"), std::string::npos) << enc.err;

  std::string truncated = key.private_key(KeyEncoding::pkcs8_der);
  truncated.resize(truncated.size() / 2);
  const Args import_half{"import", "--key", write_test_file("half.der", truncated), "--label", "x"};
  const auto broken = run_admin(import_half + t.user(), t.env());
  EXPECT_EQ(broken.exit_code, 2) << describe(broken);
  EXPECT_EQ(line_count(broken.err), 1u) << describe(broken);

  const auto missing = run_admin(Args{"import", "--key", "/nonexistent/key.pem", "--label", "x"} + t.user(), t.env());
  EXPECT_EQ(missing.exit_code, 2) << describe(missing);
  EXPECT_TRUE(objects_of(t).empty()) << "a refused import left objects behind";
}

// Issue 16: what OpenSSL refuses never reaches the token.
TEST(ImportRefused, RsaKeyWhoseModulusIsNotPQ) {
  const AdminToken t("cli-import-npq");
  const OpenSslKey key("rsa:2048", "npq");
  const std::string bad = write_test_file("npq.der", rsa_key_with_wrong_modulus(key));
  const auto r = run_admin(Args{"import", "--key", bad, "--label", "npq"} + t.user(), t.env());
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_EQ(line_count(r.err), 1u) << describe(r);
  EXPECT_NE(r.err.find("OpenSSL's key check fails"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nothing imported"), std::string::npos) << r.err;
  EXPECT_TRUE(objects_of(t).empty()) << "the broken key reached the token";
  // The same key, intact, is imported.
  const std::string good = write_test_file("pq.der", key.private_key(KeyEncoding::traditional_der));
  const auto ok = run_admin(Args{"import", "--key", good, "--label", "pq"} + t.user(), t.env());
  EXPECT_EQ(ok.exit_code, 0) << describe(ok);
}

TEST(ImportRefused, CertificateOpenSslCannotParse) {
  const AdminToken t("cli-import-x509");
  const OpenSslKey key("ec:P-256", "x509.example.test");
  const Bytes broken = certificate_openssl_refuses(key);
  const std::string file = write_test_file("broken.der", std::string(broken.begin(), broken.end()));
  const auto r = run_admin(Args{"import", "--cert", file, "--label", "x509"} + t.user(), t.env());
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_EQ(line_count(r.err), 1u) << describe(r);
  EXPECT_NE(r.err.find("OpenSSL cannot parse the certificate"), std::string::npos) << r.err;
  EXPECT_TRUE(objects_of(t).empty()) << "the certificate reached the token";
}

TEST(ImportRefused, SecondCopyOfAKeyUnlessForce) {
  const AdminToken t("cli-import-twice");
  for (const std::string spec : {"rsa:2048", "ec:P-256"}) {
    const OpenSslKey key(spec, "twice.example.test");
    const std::string key_file = write_test_file("twice.pem", key.private_key(KeyEncoding::pkcs8_pem));
    const std::string first = "first-" + spec.substr(0, 2);
    const auto a = run_admin(Args{"import", "--key", key_file, "--label", first} + t.user(), t.env());
    ASSERT_EQ(a.exit_code, 0) << describe(a);
    const std::size_t before = objects_of(t).size();
    const auto again = run_admin(Args{"import", "--key", key_file, "--label", "second"} + t.user(), t.env());
    EXPECT_EQ(again.exit_code, 1) << describe(again);
    EXPECT_EQ(line_count(again.err), 1u) << describe(again);
    EXPECT_NE(again.err.find("already holds"), std::string::npos) << again.err;
    EXPECT_NE(again.err.find("'" + first + "'"), std::string::npos) << "names the existing object: " << again.err;
    EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
    EXPECT_EQ(objects_of(t).size(), before) << "a refused import left objects behind";
    const auto forced =
        run_admin(Args{"import", "--key", key_file, "--label", "second", "--force"} + t.user(), t.env());
    EXPECT_EQ(forced.exit_code, 0) << describe(forced);
    EXPECT_GT(objects_of(t).size(), before);
  }
  // The same certificate twice, too.
  const OpenSslKey key("ec:P-256", "cert-twice.example.test");
  const std::string cert = write_test_file("cert.pem", key.certificate_pem());
  ASSERT_EQ(run_admin(Args{"import", "--cert", cert, "--label", "c1"} + t.user(), t.env()).exit_code, 0);
  const auto cert_again = run_admin(Args{"import", "--cert", cert, "--label", "c2"} + t.user(), t.env());
  EXPECT_EQ(cert_again.exit_code, 1) << describe(cert_again);
  EXPECT_NE(cert_again.err.find("certificate 'c1'"), std::string::npos) << cert_again.err;
}

TEST(Export, PrivateKeysAreRefused) {
  const AdminToken t("cli-export");
  ASSERT_EQ(run_admin(Args{"keygen", "ec:p256", "--label", "k"} + t.user(), t.env()).exit_code, 0);
  const auto priv = run_admin(Args{"export", "--label", "k", "--type", "privkey"} + t.user(), t.env());
  EXPECT_EQ(priv.exit_code, 1) << describe(priv);
  EXPECT_EQ(line_count(priv.err), 1u) << describe(priv);
  EXPECT_NE(priv.err.find("private keys never leave the token"), std::string::npos) << priv.err;
  EXPECT_TRUE(priv.out.empty()) << priv.out;
  const auto uri = run_admin(Args{"export", "--uri", "pkcs11:object=k;type=private"} + t.user(), t.env());
  EXPECT_EQ(uri.exit_code, 1) << describe(uri);
  // The public half is fine, as JSON too.
  const auto pub = run_admin(Args{"export", "--label", "k", "--json"} + t.user(), t.env());
  ASSERT_EQ(pub.exit_code, 0) << describe(pub);
  const ptree j = parse_json(pub);
  EXPECT_EQ(j.get<std::string>("class"), "public-key");
  EXPECT_EQ(j.get<std::string>("pem").rfind("-----BEGIN PUBLIC KEY-----", 0), 0u);
}

TEST(Delete, NeedsConfirmationOrYes) {
  const AdminToken t("cli-delete");
  ASSERT_EQ(run_admin(Args{"keygen", "ec:p256", "--label", "gone", "--id", "01"} + t.user(), t.env()).exit_code, 0);
  ASSERT_EQ(run_admin(Args{"keygen", "ec:p256", "--label", "kept", "--id", "02"} + t.user(), t.env()).exit_code, 0);

  const auto no_tty = run_admin(Args{"delete", "--label", "gone"} + t.user(), t.env());
  EXPECT_EQ(no_tty.exit_code, 2) << describe(no_tty);
  EXPECT_EQ(line_count(no_tty.err), 1u) << describe(no_tty);
  EXPECT_NE(no_tty.err.find("--yes"), std::string::npos) << no_tty.err;
  EXPECT_EQ(objects_of(t).size(), 4u) << "refused, yet something was deleted";

  const auto nothing = run_admin(Args{"delete", "--label", "absent", "--yes"} + t.user(), t.env());
  EXPECT_EQ(nothing.exit_code, 1) << describe(nothing);
  const auto no_criteria = run_admin(Args{"delete", "--yes"} + t.user(), t.env());
  EXPECT_EQ(no_criteria.exit_code, 2) << describe(no_criteria);

  const auto by_uri = run_admin(Args{"delete", "--uri", "pkcs11:object=gone;type=public", "--yes"} + t.user(), t.env());
  ASSERT_EQ(by_uri.exit_code, 0) << describe(by_uri);
  const auto by_id = run_admin(Args{"delete", "--id", "01", "--yes", "--json"} + t.user(), t.env());
  ASSERT_EQ(by_id.exit_code, 0) << describe(by_id);
  EXPECT_EQ(array(parse_json(by_id), "deleted").size(), 1u) << "only the private key was left under id 01";
  const auto left = objects_of(t);
  ASSERT_EQ(left.size(), 2u);
  for (const auto& o : left) EXPECT_EQ(o.get<std::string>("label"), "kept");
}

TEST(Objects, PublicOnlyWithoutLoginAndFilters) {
  const AdminToken t("cli-objects");
  ASSERT_EQ(run_admin(Args{"keygen", "rsa:2048", "--label", "r"} + t.user(), t.env()).exit_code, 0);
  const auto anonymous = run_admin(Args{"objects", "--json", "--pin-source", "none"} + t.select());
  ASSERT_EQ(anonymous.exit_code, 0) << describe(anonymous);
  const ptree a = parse_json(anonymous);
  EXPECT_FALSE(a.get<bool>("logged_in"));
  ASSERT_EQ(array(a, "objects").size(), 1u);
  EXPECT_EQ(array(a, "objects")[0].get<std::string>("class"), "public-key");

  const auto filtered = run_admin(Args{"objects", "--json", "--type", "privkey"} + t.user(), t.env());
  ASSERT_EQ(filtered.exit_code, 0) << describe(filtered);
  ASSERT_EQ(array(parse_json(filtered), "objects").size(), 1u);
  // Labels are arbitrary UTF-8: the JSON output escapes them.
  const std::string odd = "we\"b\\ \xc3\xbc\ttab";
  ASSERT_EQ(run_admin(Args{"keygen", "ec:p256", "--label", odd} + t.user(), t.env()).exit_code, 0);
  const auto escaped = run_admin(Args{"objects", "--json", "--type", "privkey", "--label", odd} + t.user(), t.env());
  ASSERT_EQ(escaped.exit_code, 0) << describe(escaped);
  const auto found = array(parse_json(escaped), "objects");
  ASSERT_EQ(found.size(), 1u) << escaped.out;
  EXPECT_EQ(found[0].get<std::string>("label"), odd);

  const auto text = run_admin(Args{"objects"} + t.user(), t.env());
  ASSERT_EQ(text.exit_code, 0) << describe(text);
  EXPECT_NE(text.out.find("sensitive,not-extractable"), std::string::npos) << text.out;
}

}  // namespace
}  // namespace sslp11::test
