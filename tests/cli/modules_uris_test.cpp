// Modules by their name in p11-kit's registry (--module, config `module =`),
// module-name/module-path in PKCS#11 URIs, and the URIs `slots` and
// `objects` print, run as a child process against throwaway SoftHSM tokens.
// `objects` also shows key usage, a certificate's subject and expiry (against
// OpenSSL's reading of the same certificate) and data objects.
// Debian's softhsm2 package registers its module as "softhsm2"
// (/usr/share/p11-kit/modules/softhsm2.module).
#include <gtest/gtest.h>

#include <openssl/x509.h>

#include <ctime>
#include <map>

#include "cli/support/admin_runner.h"
#include "cli/support/openssl_keys.h"
#include "pkcs11/attributes.h"
#include "pkcs11/session.h"
#include "pkcs11/token.h"

namespace sslp11::test {
namespace {

using boost::property_tree::ptree;

TEST(ModuleNames, ModuleOptionTakesARegisteredName) {
  const AdminToken token("cli-modname");
  const auto r = run_admin({"slots", "--module", "softhsm2", "--json"}, token.env());
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  bool found = false;
  for (const auto& slot : array(parse_json(r), "slots")) {
    if (slot.get<std::string>("token.label", "") == "cli-modname") found = true;
  }
  EXPECT_TRUE(found) << r.out;
}

TEST(ModuleNames, UnknownNameListsTheRegisteredNames) {
  const auto r = run_admin({"slots", "--module", "no-such-module"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_EQ(line_count(r.err), 1u) << describe(r);
  EXPECT_NE(r.err.find("no PKCS#11 module named 'no-such-module'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("softhsm2"), std::string::npos) << r.err;
}

TEST(ModuleNames, ConfigModuleKeyTakesARegisteredName) {
  const AdminToken token("cli-modconf");
  const std::string conf = write_test_file(
      "modname.conf", "[token.hsm]\nmodule = softhsm2\nlabel = cli-modconf\npin = env:" + token.user_pin_var + "\n");
  const auto r = run_admin({"objects", "--config", conf}, token.env());
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.out.find("on token 'cli-modconf'"), std::string::npos) << r.out;

  const std::string bad = write_test_file("badname.conf", "[token.hsm]\nmodule = no-such-module\nlabel = x\n");
  const auto b = run_admin({"objects", "--config", bad}, token.env());
  EXPECT_EQ(b.exit_code, 2) << describe(b);
  EXPECT_NE(b.err.find("badname.conf:2: key 'module'"), std::string::npos) << b.err;
  EXPECT_NE(b.err.find("softhsm2"), std::string::npos) << b.err;
}

TEST(UriModules, TokenUriAloneChoosesTheModule) {
  const AdminToken token("cli-urimod");
  for (const std::string& query : {std::string("module-name=softhsm2"), "module-path=" + token.spec.module_path}) {
    const auto r = run_admin({"objects", "--token", "pkcs11:token=cli-urimod?" + query, "--pin-source",
                              "env:" + token.user_pin_var},
                             token.env());
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_NE(r.out.find("on token 'cli-urimod'"), std::string::npos) << r.out;
  }
  // Naming the same file as --module (another path to it) is no conflict.
  const auto same = run_admin({"slots", "--token", "pkcs11:token=cli-urimod?module-name=softhsm2", "--module",
                               token.spec.module_path},
                              token.env());
  EXPECT_EQ(same.exit_code, 0) << describe(same);
}

TEST(UriModules, ConflictsAreUsageErrors) {
  const AdminToken token("cli-uriconf");
  const std::string other = SSLP11_NOT_A_MODULE;
  for (const auto& args : std::vector<Args>{
           {"slots", "--token", "pkcs11:token=cli-uriconf?module-path=" + other, "--module", "softhsm2"},
           {"slots", "--token", "pkcs11:token=cli-uriconf?module-name=softhsm2&module-path=" + other},
           {"slots", "--token", "pkcs11:token=cli-uriconf?module-path=relative.so"},
           {"slots", "--token", "pkcs11:token=cli-uriconf?module-name=softhsm2", "--config", "/etc/x.conf"},
       }) {
    const auto r = run_admin(args, token.env());
    EXPECT_EQ(r.exit_code, 2) << describe(r);
    EXPECT_EQ(line_count(r.err), 1u) << describe(r);
  }
  const std::string conf = write_test_file(
      "uriconflict.conf", "[token.hsm]\nmodule = " + other + "\nuri = pkcs11:token=cli-uriconf?module-name=softhsm2\n");
  const auto c = run_admin({"slots", "--config", conf}, token.env());
  EXPECT_EQ(c.exit_code, 2) << describe(c);
  EXPECT_NE(c.err.find("give one module"), std::string::npos) << c.err;
}

TEST(UriModules, ConfigUriMayNameTheModuleInsteadOfTheModuleKey) {
  const AdminToken token("cli-uricfg");
  const std::string conf = write_test_file(
      "urimodule.conf",
      "[token.hsm]\nuri = pkcs11:token=cli-uricfg?module-name=softhsm2\npin = env:" + token.user_pin_var + "\n");
  const auto r = run_admin({"objects", "--config", conf}, token.env());
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.out.find("on token 'cli-uricfg'"), std::string::npos) << r.out;
}

TEST(PrintedUris, SlotsPrintsATokenUriThatSelectsTheToken) {
  const AdminToken token("cli-sloturi");
  const auto r = run_admin({"slots", "--module", token.spec.module_path, "--json"}, token.env());
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  std::string uri;
  for (const auto& slot : array(parse_json(r), "slots")) {
    if (slot.get<std::string>("token.label", "") == "cli-sloturi") uri = slot.get<std::string>("token.uri", "");
  }
  ASSERT_TRUE(uri.starts_with("pkcs11:")) << r.out;
  EXPECT_NE(uri.find("serial=" + token.spec.serial), std::string::npos) << uri;
  const auto text = run_admin({"slots", "--module", token.spec.module_path}, token.env());
  EXPECT_NE(text.out.find("uri:          " + uri), std::string::npos) << text.out;
  const auto chosen = run_admin({"objects", "--module", token.spec.module_path, "--token", uri, "--pin-source",
                                 "env:" + token.user_pin_var},
                                token.env());
  EXPECT_EQ(chosen.exit_code, 0) << describe(chosen);
  EXPECT_NE(chosen.out.find("on token 'cli-sloturi'"), std::string::npos) << chosen.out;
}

TEST(PrintedUris, AnObjectUriPastedIntoUriSelectsExactlyThatObject) {
  const AdminToken token("cli-objuri");
  for (const char* label : {"first", "second"}) {
    const auto k = run_admin(Args{"keygen", "ec:p256", "--label", label} + token.user(), token.env());
    ASSERT_EQ(k.exit_code, 0) << describe(k);
  }
  const auto listed = run_admin(Args{"objects", "--json"} + token.user(), token.env());
  ASSERT_EQ(listed.exit_code, 0) << describe(listed);
  const ptree tree = parse_json(listed);
  const auto objects = array(tree, "objects");
  ASSERT_EQ(objects.size(), 4u) << listed.out;
  EXPECT_TRUE(tree.get<std::string>("token_uri", "").starts_with("pkcs11:")) << listed.out;
  for (const auto& o : objects) {
    const std::string uri = o.get<std::string>("uri", "");
    ASSERT_TRUE(uri.starts_with("pkcs11:")) << listed.out;
    // With the token chosen as usual, and by the URI alone (plus its module).
    for (const auto& args : {Args{"objects", "--json", "--uri", uri} + token.user(),
                             Args{"objects", "--json", "--uri", uri + "?module-name=softhsm2", "--pin-source",
                                  "env:" + token.user_pin_var}}) {
      const auto r = run_admin(args, token.env());
      ASSERT_EQ(r.exit_code, 0) << describe(r);
      const auto found = array(parse_json(r), "objects");
      ASSERT_EQ(found.size(), 1u) << r.out;
      EXPECT_EQ(found[0].get<std::string>("uri"), uri);
      EXPECT_EQ(found[0].get<std::string>("class"), o.get<std::string>("class"));
      EXPECT_EQ(found[0].get<std::string>("label"), o.get<std::string>("label"));
    }
  }
  const auto text = run_admin(Args{"objects"} + token.user(), token.env());
  EXPECT_NE(text.out.find("    " + objects[0].get<std::string>("uri") + "\n"), std::string::npos) << text.out;
}

// export and delete take the same URI alone: it names the module and the
// token, so neither --module nor --token is needed.
TEST(PrintedUris, ExportAndDeleteTakeAnObjectUriAlone) {
  const AdminToken token("cli-uriexport");
  const OpenSslKey key("ec:P-256", "uri.example.test");
  const std::string key_file = write_test_file("key", key.private_key(KeyEncoding::pkcs8_pem));
  const std::string cert_file = write_test_file("cert", key.certificate_pem());
  const auto imported =
      run_admin(Args{"import", "--key", key_file, "--cert", cert_file, "--label", "web"} + token.user(), token.env());
  ASSERT_EQ(imported.exit_code, 0) << describe(imported);
  const auto listed = run_admin(Args{"objects", "--json"} + token.user(), token.env());
  ASSERT_EQ(listed.exit_code, 0) << describe(listed);
  std::map<std::string, std::string> uri_of;  // class -> URI with the module named
  for (const auto& o : array(parse_json(listed), "objects")) {
    uri_of[o.get<std::string>("class", "")] = o.get<std::string>("uri", "") + "?module-name=softhsm2";
  }
  ASSERT_EQ(uri_of.size(), 3u) << listed.out;
  const Args pin{"--pin-source", "env:" + token.user_pin_var};

  const auto cert = run_admin(Args{"export", "--uri", uri_of["certificate"]} + pin, token.env());
  ASSERT_EQ(cert.exit_code, 0) << describe(cert);
  EXPECT_EQ(cert.out, key.certificate_pem());
  const auto pub = run_admin(Args{"export", "--uri", uri_of["public-key"]} + pin, token.env());
  ASSERT_EQ(pub.exit_code, 0) << describe(pub);
  EXPECT_EQ(pub.out, key.public_key_pem());

  const auto deleted = run_admin(Args{"delete", "--uri", uri_of["certificate"], "--yes"} + pin, token.env());
  ASSERT_EQ(deleted.exit_code, 0) << describe(deleted);
  EXPECT_NE(deleted.out.find("deleted 1 object(s) from token 'cli-uriexport'"), std::string::npos) << deleted.out;
  const auto left = run_admin(Args{"objects", "--json"} + token.user(), token.env());
  ASSERT_EQ(left.exit_code, 0) << describe(left);
  EXPECT_EQ(array(parse_json(left), "objects").size(), 2u) << left.out;
  const auto gone = run_admin(Args{"export", "--uri", uri_of["certificate"], "--type", "cert"} + pin, token.env());
  EXPECT_EQ(gone.exit_code, 1) << describe(gone);
}

const ptree* object_of_class(const std::vector<ptree>& objects, const std::string& cls) {
  for (const auto& o : objects)
    if (o.get<std::string>("class", "") == cls) return &o;
  return nullptr;
}

TEST(ObjectDetails, UsageCertificateSubjectExpiryAndDataObjects) {
  const AdminToken t("cli-objdetail");
  const OpenSslKey key("ec:P-256", "detail.example.test");
  const std::string key_file = write_test_file("key", key.private_key(KeyEncoding::pkcs8_pem));
  const std::string cert_file = write_test_file("cert", key.certificate_pem());
  const auto imported =
      run_admin(Args{"import", "--key", key_file, "--cert", cert_file, "--label", "web"} + t.user(), t.env());
  ASSERT_EQ(imported.exit_code, 0) << describe(imported);
  {
    // sslp11-admin writes no data objects; another tool might.
    auto module = p11::Module::load(t.spec.module_path, t.spec.init_args);
    p11::TokenSelector selector;
    selector.label = t.spec.label;
    p11::Session session(module, p11::select_token(*module, selector).id);
    session.login(CKU_USER, p11::Pin(t.spec.user_pin));
    const std::vector<std::uint8_t> value{1, 2, 3};
    p11::AttributeTemplate data;
    data.add_ulong(CKA_CLASS, CKO_DATA)
        .add_bool(CKA_TOKEN, true)
        .add_string(CKA_LABEL, "note")
        .add_string(CKA_APPLICATION, "sslp11-tests")
        .add_bytes(CKA_VALUE, value);
    session.api().C_CreateObject(session.handle(), data.span());
  }

  const auto r = run_admin(Args{"objects", "--json"} + t.user(), t.env());
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const auto objects = array(parse_json(r), "objects");
  const ptree* priv = object_of_class(objects, "private-key");
  ASSERT_NE(priv, nullptr) << r.out;
  std::vector<std::string> usage;
  for (const auto& u : array(*priv, "usage")) usage.push_back(u.data());
  EXPECT_NE(std::find(usage.begin(), usage.end(), "sign"), usage.end()) << r.out;

  const ptree* cert = object_of_class(objects, "certificate");
  ASSERT_NE(cert, nullptr) << r.out;
  // RFC 2253 order: the last RDN of the certificate's subject first.
  EXPECT_EQ(cert->get<std::string>("subject", ""), "O=sslp11 tests,CN=detail.example.test");
  std::tm tm{};
  ASSERT_EQ(ASN1_TIME_to_tm(X509_get0_notAfter(key.certificate()), &tm), 1);
  char expected[80];
  std::snprintf(expected, sizeof expected, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  EXPECT_EQ(cert->get<std::string>("not_after", ""), expected);

  const auto data = run_admin(Args{"objects", "--json", "--type", "data"} + t.user(), t.env());
  ASSERT_EQ(data.exit_code, 0) << describe(data);
  const auto found = array(parse_json(data), "objects");
  ASSERT_EQ(found.size(), 1u) << data.out;
  EXPECT_EQ(found[0].get<std::string>("label"), "note");
  EXPECT_EQ(found[0].get<std::string>("application"), "sslp11-tests");
  const auto text = run_admin(Args{"objects"} + t.user(), t.env());
  EXPECT_NE(text.out.find("subject O=sslp11 tests,CN=detail.example.test  expires " + std::string(expected)), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("application 'sslp11-tests'"), std::string::npos) << text.out;

  const auto bad = run_admin(Args{"objects", "--type", "blob"} + t.user(), t.env());
  EXPECT_EQ(bad.exit_code, 2) << describe(bad);
  EXPECT_NE(bad.err.find("secret or data"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace sslp11::test
