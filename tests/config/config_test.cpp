#include "config/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "test_helpers.h"

namespace sslp11::config {
namespace {

using test::EnvGuard;
using test::pin_text;
using test::TempDir;

const std::string kFile = "/etc/sslp11/sslp11.conf";
const std::string kSecret = "S3cr3t-PIN-7431";

const std::string kMinimalToken =
    "[token.hsm]\n"
    "module = /usr/lib/softhsm/libsofthsm2.so\n"
    "label = my-token\n";

Config load(std::string_view text) { return load_config_from_string(text, kFile); }

ConfigError load_error(std::string_view text) {
  try {
    load(text);
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return ConfigError("", 0, "", "");
}

// Expects ConfigError at `line` about `key` whose message contains `part`.
void expect_error(std::string_view text, int line, const std::string& key, const std::string& part) {
  const ConfigError e = load_error(text);
  EXPECT_EQ(e.file(), kFile);
  EXPECT_EQ(e.line(), line) << e.what();
  EXPECT_EQ(e.key(), key) << e.what();
  EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << "'" << part << "' not in: " << e.what();
}

// --- a valid file ---------------------------------------------------------------

TEST(Config, MinimalTokenGetsDefaults) {
  const Config c = load(kMinimalToken);
  EXPECT_EQ(c.path, kFile);
  EXPECT_EQ(c.log_level, LogLevel::warn);
  EXPECT_EQ(c.log_destination, "stderr");
  EXPECT_FALSE(c.allow_insecure_pin);
  EXPECT_TRUE(c.warnings.empty());
  ASSERT_EQ(c.tokens.size(), 1u);
  EXPECT_EQ(c.default_token, "hsm");
  const TokenConfig& t = c.default_token_config();
  EXPECT_EQ(t.name, "hsm");
  EXPECT_EQ(t.line, 1);
  EXPECT_EQ(t.module, "/usr/lib/softhsm/libsofthsm2.so");
  EXPECT_EQ(t.init_args, "");
  EXPECT_EQ(t.selector.label, "my-token");
  EXPECT_TRUE(t.selector.uri.empty());
  EXPECT_FALSE(t.selector.slot.has_value());
  EXPECT_EQ(t.pin.kind, PinSource::Kind::prompt);
  EXPECT_EQ(t.pin.line, 1);  // the section's line: no pin key
  EXPECT_EQ(t.pin.token, "hsm");
  EXPECT_EQ(t.pool_size, 8u);
  EXPECT_EQ(t.derivation, DerivationPolicy::allow_composed);
  EXPECT_EQ(t.protocols, (std::vector<std::string>{"tls1.2", "tls1.3"}));
  EXPECT_TRUE(t.cipher_suites.empty());
}

TEST(Config, EveryKey) {
  const Config c = load(
      "[provider]\n"
      "log-level = debug\n"
      "log-destination = file:/var/log/sslp11.log\n"
      "allow-insecure-pin-in-file = false\n"
      "default-token = hsm\n"
      "\n"
      "[token.hsm]\n"
      "module = /opt/vendor/lib/libpkcs11.so\n"
      "init-args = \"configdir='' flags=readOnly\"\n"
      "uri = pkcs11:token=My%20Token;manufacturer=Vendor\n"
      "label = My Token\n"
      "serial = 0123456789abcdef\n"
      "slot = 4\n"
      "pin = env:HSM_PIN\n"
      "pool-size = 1024\n"
      "derivation = native-only\n"
      "protocols = tls1.3 ,tls1.2\n"
      "cipher-suites = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_RSA_WITH_AES_256_CBC_SHA256\n");
  EXPECT_EQ(c.log_level, LogLevel::debug);
  EXPECT_EQ(log_level_name(c.log_level), "debug");
  EXPECT_EQ(c.log_destination, "file:/var/log/sslp11.log");
  const TokenConfig& t = c.default_token_config();
  EXPECT_EQ(t.module, "/opt/vendor/lib/libpkcs11.so");
  EXPECT_EQ(t.init_args, "configdir='' flags=readOnly");
  EXPECT_EQ(t.selector.uri, "pkcs11:token=My%20Token;manufacturer=Vendor");
  EXPECT_EQ(t.selector.label, "My Token");
  EXPECT_EQ(t.selector.serial, "0123456789abcdef");
  EXPECT_EQ(t.selector.slot, CK_SLOT_ID(4));
  EXPECT_EQ(t.pin.kind, PinSource::Kind::env);
  EXPECT_EQ(t.pin.reference, "HSM_PIN");
  EXPECT_EQ(t.pin.line, 14);
  EXPECT_EQ(t.pin.file, kFile);
  EXPECT_EQ(t.pool_size, 1024u);
  EXPECT_EQ(t.derivation, DerivationPolicy::native_only);
  EXPECT_EQ(derivation_name(t.derivation), "native-only");
  EXPECT_EQ(t.protocols, (std::vector<std::string>{"tls1.3", "tls1.2"}));
  EXPECT_EQ(t.cipher_suites, (std::vector<std::string>{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                                                       "TLS_RSA_WITH_AES_256_CBC_SHA256"}));
}

TEST(Config, ProviderSectionMayComeAfterTokens) {
  const Config c = load(kMinimalToken + "[provider]\nlog-level = error\nlog-destination = syslog\n");
  EXPECT_EQ(c.log_level, LogLevel::error);
  EXPECT_EQ(c.log_destination, "syslog");
}

TEST(Config, SelectorsAlone) {
  const std::string head = "[token.t]\nmodule = /m.so\n";
  EXPECT_EQ(load(head + "uri = pkcs11:token=x").tokens[0].selector.uri, "pkcs11:token=x");
  EXPECT_EQ(load(head + "serial = A1").tokens[0].selector.serial, "A1");
  EXPECT_EQ(load(head + "slot = 0").tokens[0].selector.slot, CK_SLOT_ID(0));
  EXPECT_EQ(load(head + "label = " + std::string(32, 'x')).tokens[0].selector.label, std::string(32, 'x'));
}

TEST(Config, CipherSuitesDefault) {
  EXPECT_TRUE(load(kMinimalToken + "cipher-suites = default\n").tokens[0].cipher_suites.empty());
}

// --- errors: the spec's example, exactly --------------------------------------

TEST(ConfigErrors, MessageNamesFileLineKeyAndExpectation) {
  const ConfigError e = load_error(
      "# 1\n# 2\n# 3\n# 4\n# 5\n# 6\n# 7\n# 8\n"
      "[token.hsm]\n"
      "module = /usr/lib/softhsm/libsofthsm2.so\n"
      "label = x\n"
      "pool-size = lots\n");
  EXPECT_STREQ(e.what(),
               "/etc/sslp11/sslp11.conf:12: key 'pool-size' in [token.hsm]: expected an integer from 1 to 1024, "
               "got 'lots'");
  EXPECT_EQ(e.file(), kFile);
  EXPECT_EQ(e.line(), 12);
  EXPECT_EQ(e.key(), "pool-size");
}

// --- errors: syntax ---------------------------------------------------------------

TEST(ConfigErrors, SyntaxErrorLine) { expect_error(kMinimalToken + "pool-size 8\n", 4, "", "expected '[section]'"); }

TEST(ConfigErrors, KeyOutsideSection) { expect_error("log-level = info\n" + kMinimalToken, 1, "log-level", "before any section"); }

TEST(ConfigErrors, DuplicateKey) { expect_error(kMinimalToken + "label = again\n", 4, "label", "set twice (first at line 3)"); }

TEST(ConfigErrors, UnknownSection) {
  expect_error(kMinimalToken + "\n[tokens.other]\n", 5, "",
               "unknown section [tokens.other]; expected [provider], [token.NAME] or [pool.NAME]");
  expect_error("[token.a.b]\nmodule = /m.so\nlabel = x\n", 1, "", "invalid section name [token.a.b]");
  expect_error("[token.]\nmodule = /m.so\nlabel = x\n", 1, "", "invalid section name [token.]");
}

// --- errors: unknown keys -----------------------------------------------------------

TEST(ConfigErrors, UnknownTokenKeyWithItsLine) {
  expect_error(kMinimalToken + "\nmodul = /x.so\n", 5, "modul", "key 'modul' in [token.hsm]: unknown key; expected one of module, init-args, uri");
}

TEST(ConfigErrors, UnknownProviderKey) {
  expect_error("[provider]\nlog-level = info\nloglevel = info\n" + kMinimalToken, 3, "loglevel",
               "key 'loglevel' in [provider]: unknown key; expected one of default-token, log-level");
}

TEST(ConfigErrors, KeysAreCaseSensitive) { expect_error(kMinimalToken + "Pool-Size = 8\n", 4, "Pool-Size", "unknown key"); }

// --- errors: [token.NAME] values -------------------------------------------------------

TEST(ConfigErrors, MissingModuleNamesSectionLine) {
  expect_error("[provider]\n\n[token.hsm]\nlabel = x\n", 3, "module",
               "key 'module' in [token.hsm]: required but missing; expected the absolute path of the PKCS#11 module");
}

TEST(ConfigErrors, ModuleIsAnAbsolutePathOrARegisteredName) {
  expect_error("[token.hsm]\nmodule = libsofthsm2.so\nlabel = x\n", 2, "module",
               "no PKCS#11 module named 'libsofthsm2.so' in p11-kit's module registry");
  expect_error("[token.hsm]\nmodule = lib/libsofthsm2.so\nlabel = x\n", 2, "module", "a path must be absolute");
  expect_error("[token.hsm]\nmodule =\nlabel = x\n", 2, "module", "got ''");
}

TEST(ConfigErrors, BadPoolSize) {
  for (const char* bad : {"0", "1025", "-1", "+8", "8x", "0x10", "99999999999999999999999"}) {
    SCOPED_TRACE(bad);
    expect_error(kMinimalToken + "pool-size = " + bad + "\n", 4, "pool-size",
                 std::string("expected an integer from 1 to 1024, got '") + bad + "'");
  }
  EXPECT_EQ(load(kMinimalToken + "pool-size = 1\n").tokens[0].pool_size, 1u);
}

TEST(ConfigErrors, TrailingCommentHint) {
  expect_error(kMinimalToken + "pool-size = 8 # the default\n", 4, "pool-size",
               "got '8 # the default' (comments go on their own line)");
}

TEST(ConfigErrors, BadDerivation) {
  expect_error(kMinimalToken + "derivation = native\n", 4, "derivation",
               "expected allow-composed or native-only, got 'native'");
}

TEST(ConfigErrors, BadProtocol) {
  expect_error(kMinimalToken + "protocols = tls1.2,tls1.4\n", 4, "protocols", "unknown protocol 'tls1.4'");
  expect_error(kMinimalToken + "protocols = TLS1.2\n", 4, "protocols", "unknown protocol 'TLS1.2'");
  expect_error(kMinimalToken + "protocols = tls1.2,tls1.1\n", 4, "protocols",
               "sslp11 implements only tls1.2 and tls1.3, got 'tls1.1'");
  expect_error(kMinimalToken + "protocols = tls1.0\n", 4, "protocols", "sslp11 implements only tls1.2 and tls1.3, got 'tls1.0'");
  expect_error(kMinimalToken + "protocols = tls1.2,,tls1.3\n", 4, "protocols", "comma-separated list");
  expect_error(kMinimalToken + "protocols =\n", 4, "protocols", "comma-separated list");
  expect_error(kMinimalToken + "protocols = tls1.2, tls1.2\n", 4, "protocols", "'tls1.2' is listed twice");
}

TEST(ConfigErrors, BadCipherSuites) {
  expect_error(kMinimalToken + "cipher-suites = tls_rsa_with_aes_128_cbc_sha\n", 4, "cipher-suites",
               "got 'tls_rsa_with_aes_128_cbc_sha'");
  expect_error(kMinimalToken + "cipher-suites = ECDHE-RSA-AES128-GCM-SHA256\n", 4, "cipher-suites",
               "got 'ECDHE-RSA-AES128-GCM-SHA256'");
  expect_error(kMinimalToken + "cipher-suites = default, TLS_RSA_WITH_AES_128_CBC_SHA\n", 4, "cipher-suites",
               "'default' cannot be combined");
  expect_error(kMinimalToken + "cipher-suites = TLS_\n", 4, "cipher-suites", "got 'TLS_'");
}

TEST(ConfigErrors, NoTokenSelection) {
  const ConfigError e = load_error("[provider]\n[token.hsm]\nmodule = /m.so\npin = none\n");
  EXPECT_EQ(e.line(), 2);
  EXPECT_EQ(e.key(), "uri|label|serial|slot");
  EXPECT_NE(std::string(e.what()).find("[token.hsm] does not say which token to use; set at least one of the keys "
                                       "uri, label, serial or slot"),
            std::string::npos)
      << e.what();
}

TEST(ConfigErrors, BadSelectors) {
  const std::string head = "[token.t]\nmodule = /m.so\n";
  expect_error(head + "uri = token=x\n", 3, "uri", "expected a PKCS#11 URI starting with 'pkcs11:'");
  expect_error(head + "uri = pkcs11:token=%zz\n", 3, "uri", "invalid PKCS#11 URI");
  expect_error(head + "uri = pkcs11:object=key;type=private\n", 3, "uri", "do not select a token");
  // A misspelled attribute is named (issue 16), not reported as selecting nothing.
  expect_error(head + "uri = pkcs11:tokn=x\n", 3, "uri", "unknown PKCS#11 URI attribute 'tokn' (did you mean 'token'?)");
  expect_error(head + "uri = pkcs11:token=x;x-acme=1\n", 3, "uri", "vendor attribute 'x-acme'");
  expect_error(head + "uri = pkcs11:token=x?pin-source=file:/p\n", 3, "uri", "carries a PIN");
  expect_error(head + "uri = pkcs11:token=x?pin-value=1\n", 3, "uri",
               "the PKCS#11 URI 'pkcs11:token=x?pin-value=<redacted>' carries a PIN");
  expect_error(head + "label = " + std::string(33, 'x') + "\n", 3, "label", "a token label of 1 to 32 bytes");
  expect_error(head + "label =\n", 3, "label", "a token label of 1 to 32 bytes");
  expect_error(head + "serial = 0123456789abcdef0\n", 3, "serial", "a serial number of 1 to 16 bytes");
  expect_error(head + "slot = -1\n", 3, "slot", "expected an integer from 0 to");
  expect_error(head + "slot = first\n", 3, "slot", "got 'first'");
}

TEST(ConfigErrors, SameModuleDifferentInitArgs) {
  expect_error(
      "[provider]\ndefault-token = a\n"
      "[token.a]\nmodule = /usr/lib/libsoftokn3.so\ninit-args = x\nlabel = A\n"
      "[token.b]\nmodule = /usr/lib/./libsoftokn3.so\ninit-args = y\nlabel = B\n",
      9, "init-args", "differs from the init-args of [token.a] (line 3)");
  // The same init-args: fine.
  EXPECT_EQ(load("[provider]\ndefault-token = a\n"
                 "[token.a]\nmodule = /m.so\ninit-args = x\nlabel = A\n"
                 "[token.b]\nmodule = /m.so\ninit-args = x\nlabel = B\n")
                .tokens.size(),
            2u);
}

// --- errors: [provider] values ---------------------------------------------------------

TEST(ConfigErrors, BadProviderValues) {
  expect_error("[provider]\nlog-level = verbose\n" + kMinimalToken, 2, "log-level",
               "expected error or warn or info or debug, got 'verbose'");
  expect_error("[provider]\nlog-destination = file:relative.log\n" + kMinimalToken, 2, "log-destination",
               "expected stderr, syslog or file:/ABSOLUTE/PATH, got 'file:relative.log'");
  expect_error("[provider]\nlog-destination = journald\n" + kMinimalToken, 2, "log-destination", "got 'journald'");
  expect_error("[provider]\nallow-insecure-pin-in-file = yes\n" + kMinimalToken, 2, "allow-insecure-pin-in-file",
               "expected true or false, got 'yes'");
  expect_error("[provider]\ndefault-token = token.hsm\n" + kMinimalToken, 2, "default-token", "got 'token.hsm'");
}

// --- tokens and the default ------------------------------------------------------------

const std::string kTwoTokens =
    "[token.primary]\nmodule = /usr/lib/softhsm/libsofthsm2.so\nlabel = one\npin = env:PIN_ONE\n"
    "\n"
    "[token.backup]\nmodule = /usr/lib/softhsm/libsofthsm2.so\nserial = 42\npin = none\n";

TEST(Config, SeveralTokensWithDefault) {
  const Config c = load("[provider]\ndefault-token = backup\n\n" + kTwoTokens);
  ASSERT_EQ(c.tokens.size(), 2u);
  EXPECT_EQ(c.tokens[0].name, "primary");
  EXPECT_EQ(c.tokens[1].name, "backup");
  EXPECT_EQ(c.tokens[1].line, 9);
  EXPECT_EQ(c.default_token, "backup");
  EXPECT_EQ(&c.default_token_config(), &c.tokens[1]);
  ASSERT_NE(c.find("primary"), nullptr);
  EXPECT_EQ(c.find("primary")->selector.label, "one");
  EXPECT_EQ(c.find("nope"), nullptr);
  EXPECT_FALSE(c.find("backup")->pin.needs_login());
}

TEST(ConfigErrors, SeveralTokensWithoutDefault) {
  expect_error("[provider]\nlog-level = info\n" + kTwoTokens, 1, "default-token",
               "required but missing: several tokens are configured ([token.primary] (line 3), [token.backup] "
               "(line 8))");
  expect_error(kTwoTokens, 0, "default-token", "several tokens are configured");
}

TEST(ConfigErrors, DefaultTokenNamesMissingToken) {
  expect_error("[provider]\nlog-level = info\ndefault-token = primry\n" + kTwoTokens, 3, "default-token",
               "got 'primry', which is not defined; defined: [token.primary] (line 4), [token.backup] (line 9)");
}

// --- pools -------------------------------------------------------------------------

TEST(ConfigPools, DefaultTokenNamesAPool) {
  const Config c = load("[provider]\ndefault-token = farm\n\n" + kTwoTokens +
                        "\n[pool.farm]\nmembers = primary, backup\npolicy = weighted\nweights = backup:1, primary:3\n"
                        "member-sessions = 4\nprobe-interval = 250\n");
  ASSERT_EQ(c.pools.size(), 1u);
  const PoolConfig* p = c.default_pool();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p, c.find_pool("farm"));
  EXPECT_EQ(p->line, 14);
  EXPECT_EQ(p->members, (std::vector<std::string>{"primary", "backup"}));
  EXPECT_EQ(p->policy, PoolPolicy::weighted);
  EXPECT_EQ(p->weights, (std::vector<unsigned>{3, 1}));  // in the order of members
  EXPECT_EQ(p->member_sessions, 4u);
  EXPECT_EQ(p->probe_interval_ms, 250u);
  // The single-token tools work on the pool's first member.
  EXPECT_EQ(&c.default_token_config(), &c.tokens[0]);
  EXPECT_EQ(pool_policy_name(p->policy), "weighted");
}

TEST(ConfigPools, Defaults) {
  const Config c = load("[provider]\ndefault-token = primary\n" + kTwoTokens + "[pool.p]\nmembers = backup\n");
  EXPECT_EQ(c.default_pool(), nullptr);  // default-token names a token
  const PoolConfig* p = c.find_pool("p");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->policy, PoolPolicy::least_outstanding);
  EXPECT_TRUE(p->weights.empty());
  EXPECT_EQ(p->member_sessions, 0u);
  EXPECT_EQ(p->probe_interval_ms, 1000u);
  EXPECT_EQ(p->call_timeout_ms, 0u);  // no time limit
}

TEST(ConfigPools, CallTimeout) {
  const std::string head = "[provider]\ndefault-token = primary\n" + kTwoTokens;  // pool header at line 12
  EXPECT_EQ(load(head + "[pool.p]\nmembers = backup\ncall-timeout = 250\n").find_pool("p")->call_timeout_ms, 250u);
  EXPECT_EQ(load(head + "[pool.p]\nmembers = backup\ncall-timeout = 0\n").find_pool("p")->call_timeout_ms, 0u);
  for (const char* bad : {"5", "600001", "soon", "-1"}) {
    expect_error(head + "[pool.p]\nmembers = backup\ncall-timeout = " + bad + "\n", 14, "call-timeout",
                 std::string("expected 0 (no time limit) or a number of milliseconds from 10 to 600000, got '") + bad +
                     "'");
  }
}

TEST(ConfigPools, Errors) {
  const std::string head = "[provider]\ndefault-token = primary\n" + kTwoTokens;  // pool header at line 12
  expect_error(head + "[pool.primary]\nmembers = backup\n", 12, "",
               "[pool.primary] has the name of [token.primary] (line 3); a pool and a token cannot share a name");
  expect_error(head + "[pool.p]\npolicy = round-robin\n", 12, "members", "required but missing");
  expect_error(head + "[pool.p]\nmembers = primary, nope\n", 13, "members",
               "names 'nope', which is not a [token.NAME] section");
  expect_error(head + "[pool.p]\nmembers = primary, primary\n", 13, "members", "'primary' is listed twice");
  expect_error(head + "[pool.p]\nmembers = primary\npolicy = random\n", 14, "policy",
               "expected least-outstanding or round-robin or weighted, got 'random'");
  expect_error(head + "[pool.p]\nmembers = primary\nweights = primary:2\n", 14, "weights",
               "only meaningful with policy = weighted");
  expect_error(head + "[pool.p]\nmembers = primary, backup\npolicy = weighted\n", 12, "weights",
               "required with policy = weighted");
  expect_error(head + "[pool.p]\nmembers = primary, backup\npolicy = weighted\nweights = primary:2\n", 15,
               "weights", "member 'backup' has no weight");
  expect_error(head + "[pool.p]\nmembers = primary, backup\npolicy = weighted\nweights = primary:2, other:1\n",
               15, "weights", "got 'other:1'");
  expect_error(head + "[pool.p]\nmembers = primary, backup\npolicy = weighted\nweights = primary:0, backup:1\n",
               15, "weights", "expected a weight from 1 to 1000 for member 'primary'");
  expect_error(head + "[pool.p]\nmembers = primary\nmember-sessions = 0\n", 14, "member-sessions",
               "expected an integer from 1 to 1024");
  expect_error(head + "[pool.p]\nmembers = primary\nprobe-interval = 5\n", 14, "probe-interval",
               "expected an integer from 10 to 3600000");
  expect_error(head + "[pool.p]\nmembers = primary\nsize = 3\n", 14, "size", "unknown key; expected one of members");
  expect_error(head + "[pool.a.b]\nmembers = primary\n", 12, "", "invalid section name [pool.a.b]");
  expect_error(head + "[pool.p]\nmembers = primary\n[pool.p]\nmembers = backup\n", 14, "",
               "section [pool.p] appears twice (first at line 12)");
  expect_error("[provider]\ndefault-token = farm\n" + kTwoTokens, 2, "default-token",
               "got 'farm', which is not defined");
}

TEST(ConfigErrors, NoTokenAtAll) {
  expect_error("[provider]\nlog-level = info\n", 0, "", "no [token.NAME] section");
  const ConfigError e = load_error("");
  EXPECT_STREQ(e.what(), (kFile + ": no [token.NAME] section; configure at least one token, e.g. [token.hsm] with "
                                  "module = /ABSOLUTE/PATH.so and label = TOKEN-LABEL")
                             .c_str());
}

// --- PINs in the file -------------------------------------------------------------------

TEST(ConfigPins, ValuePinRefusedWithoutInsecureSwitch) {
  expect_error(kMinimalToken + "pin = value:" + kSecret + "\n", 4, "pin",
               "refused unless [provider] sets allow-insecure-pin-in-file = true");
  expect_error("[provider]\nallow-insecure-pin-in-file = false\n" + kMinimalToken + "pin = value:" + kSecret + "\n",
               6, "pin", "refused");
}

TEST(ConfigPins, ValuePinAcceptedWithWarning) {
  const Config c =
      load(kMinimalToken + "pin = value:" + kSecret + "\n[provider]\nallow-insecure-pin-in-file = true\n");
  EXPECT_TRUE(c.allow_insecure_pin);
  const TokenConfig& t = c.default_token_config();
  EXPECT_EQ(t.pin.kind, PinSource::Kind::value);
  EXPECT_EQ(pin_text(t.pin.value), kSecret);
  ASSERT_EQ(c.warnings.size(), 1u);
  const ConfigWarning& w = c.warnings[0];
  EXPECT_EQ(w.file, kFile);
  EXPECT_EQ(w.line, 4);
  EXPECT_EQ(w.key, "pin");
  EXPECT_NE(w.text().find("/etc/sslp11/sslp11.conf:4: key 'pin' in [token.hsm]: the PIN is written in the "
                          "configuration file"),
            std::string::npos)
      << w.text();
  EXPECT_EQ(w.text().find(kSecret), std::string::npos);
  // The Config stays copyable; the copy has its own PIN buffer.
  const Config copy = c;
  EXPECT_EQ(pin_text(copy.tokens[0].pin.value), kSecret);
  EXPECT_NE(copy.tokens[0].pin.value.bytes().data(), t.pin.value.bytes().data());
}

TEST(ConfigPins, WarningMentionsAGroupReadableFile) {
  TempDir dir;
  const auto path = dir.write("sslp11.conf",
                              "[provider]\nallow-insecure-pin-in-file = true\n" + kMinimalToken + "pin = value:" +
                                  kSecret + "\n",
                              0644);
  const Config c = load_config(path);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_NE(c.warnings[0].text().find("its mode 0644 lets group or others read it (chmod 600)"), std::string::npos)
      << c.warnings[0].text();
  EXPECT_EQ(c.warnings[0].text().find(kSecret), std::string::npos);
}

TEST(ConfigPins, PinSources) {
  EXPECT_EQ(load(kMinimalToken + "pin = none\n").tokens[0].pin.kind, PinSource::Kind::none);
  EXPECT_EQ(load(kMinimalToken + "pin = prompt\n").tokens[0].pin.kind, PinSource::Kind::prompt);
  const auto file = load(kMinimalToken + "pin = file:/etc/sslp11/hsm.pin\n").tokens[0].pin;
  EXPECT_EQ(file.kind, PinSource::Kind::file);
  EXPECT_EQ(file.reference, "/etc/sslp11/hsm.pin");
  expect_error(kMinimalToken + "pin = file:hsm.pin\n", 4, "pin", "file: must be followed by an absolute path");
  expect_error(kMinimalToken + "pin = env:\n", 4, "pin", "env: must be followed by an environment variable name");
  expect_error(kMinimalToken + "pin = 1234\n", 4, "pin", "expected env:NAME, file:PATH, prompt, none or value:PIN");
}

// The PIN never shows up in an error, whatever the mistake around it.
TEST(ConfigPins, PinAbsentFromEveryErrorMessage) {
  const std::vector<std::string> bad = {
      kMinimalToken + "pin = value:" + kSecret + "\n",                        // refused
      kMinimalToken + "pin = " + kSecret + "\n",                              // no scheme
      kMinimalToken + "pin = env:" + kSecret + "\n",                          // not a variable name
      kMinimalToken + "pin = file:" + kSecret + "\n",                         // not absolute
      kMinimalToken + "pin = \"value:" + kSecret + "\n",                      // unterminated quote
      kMinimalToken + "pin = \"value:" + kSecret + "\" " + kSecret + "\n",    // text after the quote
      kMinimalToken + "pin: " + kSecret + "\n",                               // no '='
      kMinimalToken + kSecret + "\n",                                         // bare line
      kMinimalToken + "pin = value:" + kSecret + "\npin = value:" + kSecret + "\n",  // twice
      "pin = value:" + kSecret + "\n" + kMinimalToken,                        // outside a section
      "[" + kSecret + " x]\n" + kMinimalToken,                                // bad section header
      kMinimalToken + "pin " + kSecret + " = x\n",                            // bad key name
      "[token.hsm]\nlabel = x\npin = value:" + kSecret + "\n",                // missing module
      "[provider]\nallow-insecure-pin-in-file = true\n[token.hsm]\nmodule = /m.so\npin = value:" + kSecret +
          "\n",                                                               // no selector
      "[token.hsm]\nmodule = /m.so\nuri = pkcs11:token=x?pin-value=" + kSecret + "\n",     // PIN in the URI
      "[token.hsm]\nmodule = /m.so\nuri = pkcs11:token=%zz?pin-value=" + kSecret + "\n",   // and malformed
      "[token.hsm]\nmodule = /m.so\nuri = token=x?pin-value=" + kSecret + "\n",            // not a URI
  };
  for (const auto& text : bad) {
    SCOPED_TRACE(text);
    const ConfigError e = load_error(text);
    EXPECT_EQ(std::string(e.what()).find(kSecret), std::string::npos) << e.what();
    EXPECT_EQ(e.key().find(kSecret), std::string::npos);
  }
}

// --- reading files --------------------------------------------------------------------

TEST(ConfigFiles, LoadFromFile) {
  TempDir dir;
  const auto path = dir.write("a.conf", kMinimalToken);
  const Config c = load_config(path);
  EXPECT_EQ(c.path, path.string());
  EXPECT_EQ(c.default_token_config().selector.label, "my-token");
}

TEST(ConfigFiles, ErrorsNameTheRealFile) {
  TempDir dir;
  const auto path = dir.write("a.conf", kMinimalToken + "pool-size = lots\n");
  try {
    load_config(path);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.file(), path.string());
    EXPECT_EQ(std::string(e.what()).rfind(path.string() + ":4: key 'pool-size'", 0), 0u) << e.what();
  }
}

TEST(ConfigFiles, MissingOrNotRegular) {
  TempDir dir;
  try {
    load_config(dir.path() / "absent.conf");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("absent.conf: cannot open the configuration file: No such file"),
              std::string::npos)
        << e.what();
    EXPECT_EQ(e.line(), 0);
  }
  EXPECT_THROW(load_config(dir.path()), ConfigError);
}

// --- lookup order ---------------------------------------------------------------------

class ConfigLookup : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.unset("SSLP11_CONF");
    env_.unset("XDG_CONFIG_HOME");
    env_.set("HOME", (dir_.path() / "home").string());
  }

  TempDir dir_;
  EnvGuard env_;
};

TEST_F(ConfigLookup, ExplicitPathFirst) {
  const auto explicit_path = dir_.write("explicit.conf", kMinimalToken);
  env_.set("SSLP11_CONF", dir_.write("env.conf", kMinimalToken).string());
  EXPECT_EQ(find_config_file(explicit_path.string()), explicit_path);
}

TEST_F(ConfigLookup, MissingExplicitPathIsAnErrorNotAFallback) {
  env_.set("SSLP11_CONF", dir_.write("env.conf", kMinimalToken).string());
  const std::string missing = (dir_.path() / "missing.conf").string();
  try {
    find_config_file(missing);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.file(), missing);
    EXPECT_NE(std::string(e.what()).find("given on the command line: No such file or directory"), std::string::npos)
        << e.what();
  }
}

TEST_F(ConfigLookup, EnvBeforeXdg) {
  const auto from_env = dir_.write("env.conf", kMinimalToken);
  env_.set("SSLP11_CONF", from_env.string());
  env_.set("XDG_CONFIG_HOME", (dir_.path() / "xdg").string());
  dir_.write("xdg/sslp11/sslp11.conf", kMinimalToken);
  EXPECT_EQ(find_config_file(""), from_env);
}

TEST_F(ConfigLookup, MissingEnvPathIsAnError) {
  env_.set("SSLP11_CONF", (dir_.path() / "nope.conf").string());
  dir_.write("home/.config/sslp11/sslp11.conf", kMinimalToken);
  try {
    find_config_file("");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("named by SSLP11_CONF"), std::string::npos) << e.what();
  }
}

TEST_F(ConfigLookup, XdgConfigHome) {
  env_.set("XDG_CONFIG_HOME", (dir_.path() / "xdg").string());
  const auto xdg = dir_.write("xdg/sslp11/sslp11.conf", kMinimalToken);
  dir_.write("home/.config/sslp11/sslp11.conf", kMinimalToken);
  EXPECT_EQ(find_config_file(""), xdg);
  EXPECT_NO_THROW(load_config(find_config_file("")));
}

TEST_F(ConfigLookup, XdgDefaultsToHomeDotConfig) {
  const auto home = dir_.write("home/.config/sslp11/sslp11.conf", kMinimalToken);
  EXPECT_EQ(find_config_file(""), home);
  env_.set("XDG_CONFIG_HOME", "relative/dir");  // invalid per the XDG spec: ignored
  EXPECT_EQ(find_config_file(""), home);
}

TEST_F(ConfigLookup, NotFoundListsEveryPlaceTried) {
  if (std::filesystem::exists("/etc/sslp11/sslp11.conf")) GTEST_SKIP() << "/etc/sslp11/sslp11.conf exists here";
  env_.set("XDG_CONFIG_HOME", (dir_.path() / "xdg").string());
  try {
    find_config_file("");
    FAIL();
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("no sslp11 configuration file found; tried $SSLP11_CONF (not set), " +
                        (dir_.path() / "xdg/sslp11/sslp11.conf").string() + ", /etc/sslp11/sslp11.conf"),
              std::string::npos)
        << what;
    EXPECT_EQ(e.line(), 0);
  }
}

// --- the examples shipped in config/ ---------------------------------------------------

std::vector<std::filesystem::path> example_files() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(SSLP11_SOURCE_DIR) / "config")) {
    if (entry.path().extension() == ".conf") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(ConfigExamples, EveryExampleParses) {
  const auto files = example_files();
  EXPECT_GE(files.size(), 4u);
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    try {
      const Config c = load_config(file);
      EXPECT_FALSE(c.tokens.empty());
      EXPECT_TRUE(c.warnings.empty()) << "examples should not teach PINs in files";
      EXPECT_FALSE(c.default_token_config().selector.empty());
    } catch (const ConfigError& e) {
      ADD_FAILURE() << e.what();
    }
  }
}

Config example(const std::string& name) {
  return load_config(std::filesystem::path(SSLP11_SOURCE_DIR) / "config" / name);
}

TEST(ConfigExamples, SoftHsm) {
  const TokenConfig t = example("softhsm2.conf").default_token_config();
  EXPECT_EQ(t.module, "/usr/lib/softhsm/libsofthsm2.so");
  EXPECT_FALSE(t.selector.label.empty());
  EXPECT_EQ(t.pin.kind, PinSource::Kind::env);
  EXPECT_EQ(t.pin.reference, "SSLP11_PIN");
}

TEST(ConfigExamples, NssSoftoken) {
  const TokenConfig t = example("nss-softoken.conf").default_token_config();
  EXPECT_EQ(t.module, "/usr/lib/x86_64-linux-gnu/libsoftokn3.so");
  EXPECT_EQ(t.init_args, "configdir='' certPrefix='' keyPrefix='' secmod='' flags=noCertDB,noModDB,readOnly");
  EXPECT_EQ(t.selector.label, "NSS Generic Crypto Services");
  EXPECT_EQ(t.pin.kind, PinSource::Kind::none);
}

TEST(ConfigExamples, RemoteP11Kit) {
  const TokenConfig t = example("remote-p11-kit.conf").default_token_config();
  EXPECT_EQ(t.module, "/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so");
}

TEST(ConfigExamples, NetworkHsmTemplate) {
  const TokenConfig t = example("network-hsm-template.conf").default_token_config();
  EXPECT_EQ(t.derivation, DerivationPolicy::native_only);
}

}  // namespace
}  // namespace sslp11::config
