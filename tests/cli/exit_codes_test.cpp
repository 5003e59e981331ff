// One exit-code table for every subcommand (src/cli/errors.h: 0 success, 1
// the operation failed, 2 usage or configuration error). Each broken
// configuration below is given to every subcommand it concerns, the real
// binary run as a child process: they must all exit with the same code and
// one line on stderr. Before the table was applied at the root, `bench`
// turned a configuration error into a failed SslOpenProvider (exit 1) where
// `objects` said exit 2, and a file that is not a PKCS#11 module exited 1
// where a missing module exited 2.
#include <gtest/gtest.h>

#include <map>

#include "cli/support/admin_runner.h"
#include "cli/support/openssl_keys.h"

namespace sslp11::test {
namespace {

// Each subcommand with the options it needs to reach its configuration,
// after "--config FILE".
struct Subcommand {
  std::string name;
  Args args;
  bool reads_user_pin;  // logs the user in, so a broken PIN source concerns it
};

const std::vector<Subcommand>& subcommands() {
  static const std::vector<Subcommand> all = [] {
    const OpenSslKey key("ec:P-256", "exit-codes.example.test");
    const std::string key_file = write_test_file("exit-codes-key.pem", key.private_key(KeyEncoding::pkcs8_pem));
    return std::vector<Subcommand>{
        {"slots", {"slots"}, false},
        {"mechanisms", {"mechanisms"}, false},
        {"init-token", {"init-token", "--label", "exit-codes"}, false},
        {"init-pin", {"init-pin"}, false},
        {"change-pin", {"change-pin", "--new-pin-source", "env:SSLP11_EXIT_CODES_NEW_PIN"}, true},
        {"keygen", {"keygen", "ec:p256", "--label", "exit-codes"}, true},
        {"import", {"import", "--key", key_file, "--label", "exit-codes"}, true},
        {"objects", {"objects"}, true},
        {"delete", {"delete", "--label", "exit-codes-none"}, true},
        {"export", {"export", "--label", "exit-codes-none"}, true},
        {"doctor", {"doctor"}, true},
        {"bench", {"bench", "--seconds", "0.1"}, true},
        {"pool status", {"pool", "status"}, true},
    };
  }();
  return all;
}

struct BrokenCase {
  std::string name;
  std::string extra;        // lines for the token section ("MODULE" and "LABEL" from the token)
  bool concerns_pin_only;   // only subcommands that log the user in read the PIN source
  std::string message;      // a part of the one-line error
  unsigned pin_file_mode = 0;
};

void PrintTo(const BrokenCase& c, std::ostream* os) { *os << c.name; }

class SameConfigErrorSameExitCode : public ::testing::TestWithParam<BrokenCase> {};

TEST_P(SameConfigErrorSameExitCode, InEverySubcommand) {
  const AdminToken t("cli-exit-codes");
  const BrokenCase& c = GetParam();
  std::string text = "[token.x]\n" + c.extra;
  auto replace = [&text](const std::string& what, const std::string& with) {
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size())) {
      text.replace(at, what.size(), with);
    }
  };
  if (c.pin_file_mode != 0) replace("PINFILE", write_test_file("exit-pin", t.spec.user_pin + "\n", c.pin_file_mode));
  replace("NOTAMODULE", SSLP11_NOT_A_MODULE);  // before MODULE, which it contains
  replace("MODULE", t.spec.module_path);
  replace("LABEL", t.spec.label);
  replace("PINVAR", t.user_pin_var);
  const std::string conf = write_test_file("exit-" + c.name + ".conf", text);

  std::map<std::string, int> codes;
  for (const Subcommand& s : subcommands()) {
    if (c.concerns_pin_only && !s.reads_user_pin) continue;
    const auto r = run_admin(s.args + Args{"--config", conf}, t.env());
    codes[s.name] = r.exit_code;
    EXPECT_EQ(r.exit_code, 2) << s.name << ": " << describe(r);
    EXPECT_EQ(line_count(r.err), 1u) << s.name << ": " << describe(r);
    EXPECT_NE(r.err.find(c.message), std::string::npos) << s.name << ": " << describe(r);
    EXPECT_EQ(r.err.find(t.spec.user_pin), std::string::npos) << s.name << ": " << describe(r);
  }
  EXPECT_GE(codes.size(), 8u);
}

INSTANTIATE_TEST_SUITE_P(
    Configs, SameConfigErrorSameExitCode,
    ::testing::Values(
        BrokenCase{"syntax", "module = MODULE\nlabel = LABEL\n[token.y\n", false, "a section header must be"},
        BrokenCase{"missing_module", "module = /nonexistent/libpkcs11.so\nlabel = LABEL\npin = env:PINVAR\n", false,
                   "cannot load PKCS#11 module /nonexistent/libpkcs11.so"},
        BrokenCase{"not_a_module", "module = NOTAMODULE\nlabel = LABEL\npin = env:PINVAR\n", false,
                   "is not a PKCS#11 module"},
        BrokenCase{"unknown_cipher_suite",
                   "module = MODULE\nlabel = LABEL\npin = env:PINVAR\ncipher-suites = TLS_NO_SUCH_SUITE\n", false,
                   "names cipher suite 'TLS_NO_SUCH_SUITE'"},
        BrokenCase{"pin_variable_unset", "module = MODULE\nlabel = LABEL\npin = env:SSLP11_EXIT_CODES_UNSET\n", true,
                   "environment variable 'SSLP11_EXIT_CODES_UNSET' is not set"},
        BrokenCase{"pin_file_0644", "module = MODULE\nlabel = LABEL\npin = file:PINFILE\n", true, "has mode 0644",
                   0644}),
    [](const auto& info) { return info.param.name; });

TEST(SameConfigErrorSameExitCode, MissingConfigFile) {
  for (const Subcommand& s : subcommands()) {
    const auto r = run_admin(s.args + Args{"--config", "/nonexistent/sslp11.conf"});
    EXPECT_EQ(r.exit_code, 2) << s.name << ": " << describe(r);
    EXPECT_EQ(line_count(r.err), 1u) << s.name << ": " << describe(r);
    EXPECT_NE(r.err.find("/nonexistent/sslp11.conf"), std::string::npos) << s.name << ": " << describe(r);
  }
}

TEST(SameConfigErrorSameExitCode, NoSuchTokenIsAFailedOperationEverywhere) {
  // A well-formed config whose token is not there: the operation fails (1),
  // in every subcommand that goes to the token.
  const AdminToken t("cli-exit-notoken");
  const std::string conf = write_test_file(
      "exit-notoken.conf", "[token.x]\nmodule = " + t.spec.module_path + "\nlabel = no-such-token\npin = env:" +
                               t.user_pin_var + "\n");
  for (const Subcommand& s : subcommands()) {
    if (s.name == "slots" || s.name == "init-token") continue;  // the one lists every slot, the other takes a free one
    const auto r = run_admin(s.args + Args{"--config", conf}, t.env());
    EXPECT_EQ(r.exit_code, 1) << s.name << ": " << describe(r);
    EXPECT_EQ(line_count(r.err), 1u) << s.name << ": " << describe(r);
    EXPECT_NE(r.err.find("no token matches label 'no-such-token'"), std::string::npos) << s.name << ": " << describe(r);
  }
}

}  // namespace
}  // namespace sslp11::test
