// `sslp11-admin slots`, `mechanisms` and the option/selection rules every
// subcommand shares, run as a child process against SoftHSMv2 and NSS softoken.
#include <unistd.h>

#include <gtest/gtest.h>

#include "cli/support/admin_runner.h"
#include "pkcs11/mechanism_names.h"

namespace sslp11::test {
namespace {

using boost::property_tree::ptree;

TEST(Usage, NoArgumentsAndUnknownSubcommandsAreUsageErrors) {
  const auto none = run_admin({});
  EXPECT_EQ(none.exit_code, 2) << describe(none);
  EXPECT_NE(none.err.find("usage: sslp11-admin"), std::string::npos);
  const auto unknown = run_admin({"frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2) << describe(unknown);
  EXPECT_EQ(line_count(unknown.err), 1u) << describe(unknown);
}

TEST(Usage, HelpForEverySubcommand) {
  for (const char* name : {"slots", "mechanisms", "init-token", "init-pin", "change-pin", "keygen", "import", "objects",
                           "delete", "export", "doctor", "bench"}) {
    const auto r = run_admin({"help", name});
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_NE(r.out.find(std::string("usage: sslp11-admin ") + name), std::string::npos) << describe(r);
    for (const char* global : {"--config", "--module", "--token", "--slot", "--pin-source", "--so-pin-source", "--json",
                               "--verbose"}) {
      EXPECT_NE(r.out.find(global), std::string::npos) << name << " lacks " << global;
    }
  }
  const auto list = run_admin({"--help"});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find("doctor"), std::string::npos);
}

TEST(Usage, BadOptionsAreOneLineUsageErrors) {
  const AdminToken token("cli-usage");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"slots", "--bogus"},
           {"slots", "--slot", "many"},
           {"objects", "--module", "relative/path.so"},
           {"objects", "--module", token.spec.module_path, "--config", "/etc/x.conf"},
           {"objects", "--pin-source", "value:1234", "--module", token.spec.module_path},
           {"objects", "--pin-source", "1234", "--module", token.spec.module_path},
           {"keygen", "dsa:1024", "--label", "x", "--module", token.spec.module_path},
           {"keygen", "rsa:2048", "--module", token.spec.module_path},
       }) {
    const auto r = run_admin(args, token.env());
    EXPECT_EQ(r.exit_code, 2) << describe(r);
    EXPECT_EQ(line_count(r.err), 1u) << describe(r);
    EXPECT_EQ(r.err.find("1234"), std::string::npos) << "a PIN-like value was echoed: " << describe(r);
  }
}

TEST(Slots, SoftHsmListsTheTokenAndTheFreeSlot) {
  const AdminToken token("cli-slots");
  const auto r = run_admin({"slots", "--module", token.spec.module_path});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.out.find("token label:  cli-slots"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(not initialised)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("login-required"), std::string::npos) << r.out;

  const auto j = run_admin({"slots", "--module", token.spec.module_path, "--json"});
  ASSERT_EQ(j.exit_code, 0) << describe(j);
  const ptree tree = parse_json(j);
  bool found = false, free_slot = false;
  for (const auto& slot : array(tree, "slots")) {
    if (!slot.get<bool>("token_present", false)) continue;
    if (slot.get<std::string>("token.label", "") == "cli-slots") {
      found = true;
      EXPECT_EQ(slot.get<std::string>("token.serial"), token.spec.serial);
      EXPECT_TRUE(slot.get<bool>("token.initialized"));
      std::vector<std::string> flags;
      for (const auto& f : array(slot, "token.flags")) flags.push_back(f.data());
      EXPECT_NE(std::find(flags.begin(), flags.end(), "user-pin-set"), flags.end());
    }
    if (!slot.get<bool>("token.initialized", true)) free_slot = true;
  }
  EXPECT_TRUE(found) << j.out;
  EXPECT_TRUE(free_slot) << "SoftHSM's free slot is missing: " << j.out;
}

TEST(Slots, NssSoftokenWithInitArgs) {
  const AdminToken nss(TestTokens::nss());
  const auto r = run_admin({"slots", "--module", nss.spec.module_path, "--init-args", nss.spec.init_args, "--json"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const ptree tree = parse_json(r);
  std::vector<std::string> labels;
  for (const auto& slot : array(tree, "slots")) labels.push_back(slot.get<std::string>("token.label", ""));
  EXPECT_NE(std::find(labels.begin(), labels.end(), "NSS Generic Crypto Services"), labels.end()) << r.out;
}

TEST(Slots, ModuleFromTheConfig) {
  const AdminToken token("cli-slots-conf");
  const std::string conf = token.write_config("web");
  const auto r = run_admin({"slots", "--config", conf}, token.env());
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.out.find("cli-slots-conf"), std::string::npos);
  // SSLP11_CONF is the same as --config.
  const auto env = run_admin({"slots"}, token.env() + std::vector<std::string>{"SSLP11_CONF=" + conf});
  EXPECT_EQ(env.exit_code, 0) << describe(env);
  EXPECT_EQ(env.out, r.out);
}

TEST(Mechanisms, SoftHsmIsComposedWithEvidence) {
  const AdminToken token("cli-mech");
  const auto r = run_admin(Args{"mechanisms"} + token.select());
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.out.find("derivation path: composed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("CKM_SHA256_HMAC"), std::string::npos);
  EXPECT_NE(r.out.find("TLS: composed TLS 1.2 PRF"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[no]  TLS 1.2 key and MAC derive"), std::string::npos) << r.out;

  const auto j = run_admin(Args{"mechanisms", "--json"} + token.select());
  ASSERT_EQ(j.exit_code, 0) << describe(j);
  const ptree tree = parse_json(j);
  EXPECT_EQ(tree.get<std::string>("derivation_path"), "composed");
  EXPECT_EQ(tree.get<std::string>("label"), "cli-mech");
  bool hmac = false;
  for (const auto& m : array(tree, "mechanisms")) {
    if (m.get<std::string>("name") != "CKM_SHA256_HMAC") continue;
    hmac = true;
    EXPECT_EQ(m.get<std::string>("capability"), "HMAC-SHA256");
    EXPECT_TRUE(m.get<bool>("capability_available"));
  }
  EXPECT_TRUE(hmac);
  EXPECT_FALSE(array(tree, "evidence").empty());
  bool native_listed = false;
  for (const auto& c : array(tree, "capabilities")) {
    if (c.get<std::string>("name") == "TLS 1.2 key and MAC derive") {
      native_listed = true;
      EXPECT_FALSE(c.get<bool>("available"));
    }
  }
  EXPECT_TRUE(native_listed);
}

TEST(Mechanisms, NssIsNativeThroughAConfig) {
  const AdminToken nss(TestTokens::nss());
  const std::string conf = nss.write_config("nss");
  const auto j = run_admin({"mechanisms", "--config", conf, "--json"});
  ASSERT_EQ(j.exit_code, 0) << describe(j);
  const ptree tree = parse_json(j);
  EXPECT_EQ(tree.get<std::string>("derivation_path"), "native");
  bool derive = false;
  for (const auto& m : array(tree, "mechanisms")) {
    if (m.get<std::string>("name") == "CKM_TLS12_KEY_AND_MAC_DERIVE") {
      derive = true;
      EXPECT_TRUE(m.get<bool>("capability_available"));
    }
  }
  EXPECT_TRUE(derive) << j.out;
}

// Issue 16: every mechanism a token lists has its CKM_ name (the table
// generated from the PKCS#11 headers), except values in the vendor range no
// header names, which say so; flags and key sizes as pkcs11-tool -M shows them.
TEST(Mechanisms, EveryMechanismIsNamedOnSoftHsmAndNss) {
  const AdminToken softhsm("cli-mech-names");
  const AdminToken nss(TestTokens::nss());
  for (const AdminToken* t : {&softhsm, &nss}) {
    const auto j = run_admin(Args{"mechanisms", "--json"} + t->select(), t->env());
    ASSERT_EQ(j.exit_code, 0) << describe(j);
    std::size_t named = 0, vendor = 0;
    for (const auto& m : array(parse_json(j), "mechanisms")) {
      const std::string name = m.get<std::string>("name");
      if (name.rfind("CKM_", 0) == 0) {
        ++named;
        EXPECT_FALSE(m.get<bool>("vendor") && name.rfind("CKM_NSS_", 0) != 0) << name;
      } else {
        ++vendor;
        EXPECT_TRUE(m.get<bool>("vendor")) << "a standard mechanism without a name: " << name;
        EXPECT_NE(name.find(" (vendor)"), std::string::npos) << name;
      }
    }
    EXPECT_GT(named, 60u) << j.out;
    if (t == &softhsm) {
      EXPECT_EQ(vendor, 0u) << j.out;
    }
    EXPECT_EQ(j.out.find("(unknown)"), std::string::npos) << j.out;
  }
}

TEST(Mechanisms, FlagsAndKeySizesLikePkcs11Tool) {
  const AdminToken token("cli-mech-flags");
  const auto r = run_admin(Args{"mechanisms"} + token.select());
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  // SoftHSMv2 2.6.1's C_GetMechanismInfo, as `pkcs11-tool -M` prints it.
  for (const char* line : {"\n  CKM_SHA256_HMAC, keySize={32,512}, sign, verify\n",
                           "\n  CKM_EC_KEY_PAIR_GEN, keySize={112,521}, generate_key_pair, EC F_P, EC OID, EC uncompressed\n",
                           "\n  CKM_SHA256, digest\n", "\n  CKM_ECDH1_DERIVE, keySize={112,521}, derive\n"}) {
    EXPECT_NE(r.out.find(line), std::string::npos) << line << " in\n" << r.out;
  }
  const auto j = run_admin(Args{"mechanisms", "--json"} + token.select());
  ASSERT_EQ(j.exit_code, 0) << describe(j);
  bool ec = false;
  for (const auto& m : array(parse_json(j), "mechanisms")) {
    if (m.get<std::string>("name") != "CKM_EC_KEY_PAIR_GEN") continue;
    ec = true;
    std::vector<std::string> flags;
    for (const auto& f : array(m, "flags")) flags.push_back(f.data());
    EXPECT_EQ(flags, (std::vector<std::string>{"generate_key_pair", "EC F_P", "EC OID", "EC uncompressed"}));
    EXPECT_EQ(m.get<unsigned long>("value"), 0x1040UL);
    EXPECT_EQ(m.get<unsigned long>("min_key"), 112UL);
    EXPECT_EQ(m.get<unsigned long>("max_key"), 521UL);
  }
  EXPECT_TRUE(ec) << j.out;
}

// The generated table (pkcs11/mechanism_names_generate.cmake) on values
// written out here, independent of the headers' macros.
TEST(MechanismNames, GeneratedTableMapsValues) {
  EXPECT_EQ(p11::mechanism_name(0x0UL), "CKM_RSA_PKCS_KEY_PAIR_GEN");
  EXPECT_EQ(p11::mechanism_name(0x251UL), "CKM_SHA256_HMAC");
  EXPECT_EQ(p11::mechanism_name(0x3e4UL), "CKM_TLS_MAC");
  // Aliases: the name the headers define last, the current PKCS#11 one.
  EXPECT_EQ(p11::mechanism_name(0x1040UL), "CKM_EC_KEY_PAIR_GEN");
  EXPECT_EQ(p11::mechanism_name(0x320UL), "CKM_CAST128_KEY_GEN");
  // pkcs11/tls_params.h's additions, one of them an expression.
  EXPECT_EQ(p11::mechanism_name(0x402aUL), "CKM_HKDF_DERIVE");
  EXPECT_EQ(p11::mechanism_name(0x1226UL), "CKM_CHACHA20");
  EXPECT_EQ(p11::mechanism_name(0xce534350UL + 26), "CKM_NSS_TLS_EXTENDED_MASTER_KEY_DERIVE_DH");
  // CKM_VENDOR_DEFINED marks a range, it names no mechanism.
  EXPECT_EQ(p11::mechanism_name(0x80000000UL), "0x80000000 (vendor)");
  EXPECT_EQ(p11::mechanism_name(0x80001234UL), "0x80001234 (vendor)");
  EXPECT_EQ(p11::mechanism_name(0x7ffffffUL), "0x7ffffff (unknown)");
  EXPECT_FALSE(p11::known_mechanism_name(0x7ffffffUL).has_value());
  EXPECT_TRUE(p11::is_vendor_mechanism(0xce534350UL));
  EXPECT_FALSE(p11::is_vendor_mechanism(0x251UL));
}

TEST(MechanismNames, FlagsAndLinesLikePkcs11Tool) {
  EXPECT_EQ(p11::mechanism_flag_names(0), std::vector<std::string>{});
  EXPECT_EQ(p11::mechanism_flag_names(CKF_VERIFY | CKF_SIGN | CKF_HW),
            (std::vector<std::string>{"hw", "sign", "verify"}));
  EXPECT_EQ(p11::mechanism_flag_names(CKF_SIGN_RECOVER | CKF_VERIFY_RECOVER | CKF_DERIVE | (1UL << 22) | (1UL << 31)),
            (std::vector<std::string>{"sign_recover", "verify_recover", "derive", "EC parameters",
                                      "other flags=0x80000000"}));
  CK_MECHANISM_INFO hmac{32, 512, CKF_SIGN | CKF_VERIFY};
  EXPECT_EQ(p11::mechanism_info_line(0x251UL, hmac), "CKM_SHA256_HMAC, keySize={32,512}, sign, verify");
  CK_MECHANISM_INFO digest{0, 0, CKF_DIGEST};
  EXPECT_EQ(p11::mechanism_info_line(0x250UL, digest), "CKM_SHA256, digest");
  CK_MECHANISM_INFO upper{0, 64, CKF_GENERATE};
  EXPECT_EQ(p11::mechanism_info_line(0x80000001UL, upper), "0x80000001 (vendor), keySize={,64}, generate");
}

TEST(Selection, TokenNamesAConfigSectionOrALabel) {
  const AdminToken a("cli-sel-a");
  const AdminToken b("cli-sel-b");
  // Two sections; [token.first] is the default (the first one needs default-token).
  std::string text = "[provider]\ndefault-token = first\n";
  for (const auto& [name, t] : {std::pair<std::string, const AdminToken*>{"first", &a}, {"second", &b}}) {
    text += "[token." + name + "]\nmodule = " + t->spec.module_path + "\nlabel = " + t->spec.label +
            "\npin = env:" + t->user_pin_var + "\n";
  }
  const std::string conf = write_test_file("two.conf", text);
  const auto env = a.env() + b.env();
  const auto by_default = run_admin({"mechanisms", "--json", "--config", conf}, env);
  ASSERT_EQ(by_default.exit_code, 0) << describe(by_default);
  EXPECT_EQ(parse_json(by_default).get<std::string>("label"), "cli-sel-a");
  const auto by_section = run_admin({"mechanisms", "--json", "--config", conf, "--token", "second"}, env);
  ASSERT_EQ(by_section.exit_code, 0) << describe(by_section);
  EXPECT_EQ(parse_json(by_section).get<std::string>("label"), "cli-sel-b");
  const auto by_label = run_admin({"mechanisms", "--json", "--config", conf, "--token", "cli-sel-b"}, env);
  ASSERT_EQ(by_label.exit_code, 0) << describe(by_label);
  EXPECT_EQ(parse_json(by_label).get<std::string>("label"), "cli-sel-b");
  const auto by_uri = run_admin({"mechanisms", "--json", "--config", conf, "--token", "pkcs11:token=cli-sel-b"}, env);
  ASSERT_EQ(by_uri.exit_code, 0) << describe(by_uri);
  EXPECT_EQ(parse_json(by_uri).get<std::string>("label"), "cli-sel-b");
  const auto by_serial = run_admin({"mechanisms", "--json", "--config", conf, "--serial", b.spec.serial}, env);
  ASSERT_EQ(by_serial.exit_code, 0) << describe(by_serial);
  EXPECT_EQ(parse_json(by_serial).get<std::string>("label"), "cli-sel-b");
}

TEST(Selection, NoMatchingTokenIsAnOperationError) {
  const AdminToken token("cli-nomatch");
  const auto r = run_admin({"mechanisms", "--module", token.spec.module_path, "--token", "no-such-token"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_EQ(line_count(r.err), 1u) << describe(r);
  EXPECT_NE(r.err.find("no token matches label 'no-such-token'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cli-nomatch"), std::string::npos) << "the message lists the tokens there are: " << r.err;
}

// Issue 16: two tokens with one label. Every way of naming the token by that
// label is refused with the list of matches; the serial chooses.
TEST(Selection, SameLabelIsRefusedAndTheSerialChooses) {
  const AdminToken a("cli-twin");
  const AdminToken b("cli-twin");
  ASSERT_NE(a.spec.serial, b.spec.serial);
  const auto env = a.env() + b.env();
  auto expect_ambiguous = [&](const AdminResult& r) {
    EXPECT_EQ(r.exit_code, 2) << describe(r);
    EXPECT_EQ(line_count(r.err), 1u) << describe(r);
    EXPECT_NE(r.err.find("2 tokens match"), std::string::npos) << r.err;
    for (const AdminToken* t : {&a, &b}) EXPECT_NE(r.err.find("serial '" + t->spec.serial + "'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("manufacturer 'SoftHSM project'"), std::string::npos) << r.err;
  };
  expect_ambiguous(run_admin(Args{"mechanisms", "--json"} + a.select(), env));
  expect_ambiguous(run_admin({"objects", "--module", a.spec.module_path, "--token", "pkcs11:token=cli-twin",
                              "--pin-source", "env:" + a.user_pin_var},
                             env));
  const std::string conf = a.write_config("twin");
  expect_ambiguous(run_admin({"objects", "--config", conf}, env));
  expect_ambiguous(run_admin({"doctor", "--config", conf}, env));

  for (const AdminToken* t : {&a, &b}) {
    // Each token's own PIN logs in: the serial picked that token, not the first.
    const auto by_serial = run_admin(Args{"objects", "--serial", t->spec.serial} + t->user(), env);
    EXPECT_EQ(by_serial.exit_code, 0) << describe(by_serial);
    const auto by_uri = run_admin({"objects", "--module", t->spec.module_path, "--token",
                                   "pkcs11:token=cli-twin;serial=" + t->spec.serial, "--pin-source",
                                   "env:" + t->user_pin_var},
                                  env);
    EXPECT_EQ(by_uri.exit_code, 0) << describe(by_uri);
    const auto by_config = run_admin({"objects", "--config", t->write_config("twin", "serial = " + t->spec.serial)},
                                     env);
    EXPECT_EQ(by_config.exit_code, 0) << describe(by_config);
  }
  const auto wrong_pin = run_admin(
      Args{"objects", "--serial", b.spec.serial, "--pin-source", "env:" + a.user_pin_var} + a.select(), env);
  EXPECT_EQ(wrong_pin.exit_code, 1) << "a's PIN on b: " << describe(wrong_pin);
}

// Issue 16: a misspelled or unknown URI attribute is named as such, not taken
// for another token.
TEST(Selection, UnknownUriAttributeIsNamed) {
  const AdminToken t("cli-uri-typo");
  const auto objekt = run_admin(Args{"objects", "--uri", "pkcs11:objekt=web"} + t.user(), t.env());
  EXPECT_EQ(objekt.exit_code, 2) << describe(objekt);
  EXPECT_EQ(line_count(objekt.err), 1u) << describe(objekt);
  EXPECT_NE(objekt.err.find("unknown PKCS#11 URI attribute 'objekt' (did you mean 'object'?)"), std::string::npos)
      << objekt.err;
  EXPECT_EQ(objekt.err.find("names a token other than"), std::string::npos) << objekt.err;

  const auto vendor = run_admin(Args{"delete", "--uri", "pkcs11:x-acme-slot=3", "--yes"} + t.user(), t.env());
  EXPECT_EQ(vendor.exit_code, 2) << describe(vendor);
  EXPECT_NE(vendor.err.find("vendor attribute 'x-acme-slot'"), std::string::npos) << vendor.err;

  const auto token = run_admin({"objects", "--module", t.spec.module_path, "--token", "pkcs11:tokn=cli-uri-typo",
                                "--pin-source", "env:" + t.user_pin_var},
                               t.env());
  EXPECT_EQ(token.exit_code, 2) << describe(token);
  EXPECT_NE(token.err.find("unknown PKCS#11 URI attribute 'tokn' (did you mean 'token'?)"), std::string::npos)
      << token.err;

  // The value is never echoed, only the name: it may be a PIN.
  const auto pin = run_admin(Args{"objects", "--uri", "pkcs11:object=a?pin-valeu=Secret-4411"} + t.user(), t.env());
  EXPECT_EQ(pin.exit_code, 2) << describe(pin);
  EXPECT_NE(pin.err.find("'pin-valeu' (did you mean 'pin-value'?)"), std::string::npos) << pin.err;
  EXPECT_EQ(pin.err.find("Secret-4411"), std::string::npos) << pin.err;

  // A well-formed URI naming a different token still gets its own message.
  const auto other = run_admin(Args{"objects", "--uri", "pkcs11:token=another;object=a"} + t.user(), t.env());
  EXPECT_EQ(other.exit_code, 2) << describe(other);
  EXPECT_NE(other.err.find("names a token other than"), std::string::npos) << other.err;
}

// Issue 16: p11-kit's client module without a server is not "no slots".
TEST(Slots, P11KitClientWithoutAServerSaysSo) {
  const std::string client = "/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so";
  if (::access(client.c_str(), R_OK) != 0) GTEST_SKIP() << client << " is not installed";
  // Unset (empty counts as unset): the configuration is incomplete, exit 2.
  const auto unset = run_admin({"slots", "--module", client}, {"P11_KIT_SERVER_ADDRESS="});
  EXPECT_EQ(unset.exit_code, 2) << describe(unset);
  EXPECT_EQ(line_count(unset.err), 1u) << describe(unset);
  EXPECT_NE(unset.err.find("has no server to talk to"), std::string::npos) << unset.err;
  EXPECT_NE(unset.err.find("P11_KIT_SERVER_ADDRESS is not set"), std::string::npos) << unset.err;
  EXPECT_EQ(unset.out.find("no slots"), std::string::npos) << unset.out;
  // Set, but nobody answers: the operation failed, exit 1.
  const std::string address = "unix:path=" + TestTokens::temp_dir() + "/no-p11-kit-server";
  const auto down = run_admin({"slots", "--module", client}, {"P11_KIT_SERVER_ADDRESS=" + address});
  EXPECT_EQ(down.exit_code, 1) << describe(down);
  EXPECT_EQ(line_count(down.err), 1u) << describe(down);
  EXPECT_NE(down.err.find("no p11-kit server answers at P11_KIT_SERVER_ADDRESS=" + address), std::string::npos)
      << down.err;
  // The same for a command that needs a token.
  const auto objects = run_admin({"objects", "--module", client, "--pin-source", "none"}, {"P11_KIT_SERVER_ADDRESS="});
  EXPECT_EQ(objects.exit_code, 2) << describe(objects);
  EXPECT_NE(objects.err.find("has no server to talk to"), std::string::npos) << objects.err;
}

}  // namespace
}  // namespace sslp11::test
