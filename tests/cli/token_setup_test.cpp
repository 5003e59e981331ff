// `sslp11-admin init-token`, `init-pin`, `change-pin` and PIN handling, run as
// a child process against throwaway SoftHSMv2 tokens.
#include <gtest/gtest.h>

#include <sstream>

#include "cli/support/admin_runner.h"

namespace sslp11::test {
namespace {

using boost::property_tree::ptree;

// A PIN must never appear in anything sslp11-admin prints.
void expect_no_pin(const AdminResult& r, const std::string& pin) {
  ASSERT_FALSE(pin.empty());
  EXPECT_EQ(r.out.find(pin), std::string::npos) << "PIN on stdout: " << describe(r);
  EXPECT_EQ(r.err.find(pin), std::string::npos) << "PIN on stderr: " << describe(r);
}

std::size_t object_count(const AdminToken& t) {
  const auto r = run_admin(Args{"objects", "--json"} + t.user(), t.env());
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  return array(parse_json(r), "objects").size();
}

TEST(InitToken, TheFreeSlotThenInitPin) {
  TestTokens::softhsm();  // the per-process SoftHSM store and SOFTHSM2_CONF
  const std::string module = TestTokens::softhsm().module_path;
  const std::vector<std::string> env{"CLI_SO=so-pin-8842", "CLI_PIN=user-pin-4711"};
  const auto init = run_admin({"init-token", "--module", module, "--free", "--label", "cli-fresh", "--so-pin-source",
                               "env:CLI_SO", "--json"},
                              env);
  ASSERT_EQ(init.exit_code, 0) << describe(init);
  expect_no_pin(init, "so-pin-8842");
  const ptree info = parse_json(init);
  EXPECT_EQ(info.get<std::string>("label"), "cli-fresh");
  EXPECT_FALSE(info.get<std::string>("serial").empty());
  EXPECT_FALSE(info.get<bool>("reinitialised"));

  // A token without a user PIN cannot be used yet, and says what to do.
  const auto early =
      run_admin({"objects", "--module", module, "--token", "cli-fresh", "--pin-source", "env:CLI_PIN"}, env);
  EXPECT_EQ(early.exit_code, 1) << describe(early);
  EXPECT_NE(early.err.find("init-pin"), std::string::npos) << early.err;

  const auto pin = run_admin({"init-pin", "--module", module, "--token", "cli-fresh", "--so-pin-source", "env:CLI_SO",
                              "--pin-source", "env:CLI_PIN"},
                             env);
  ASSERT_EQ(pin.exit_code, 0) << describe(pin);
  expect_no_pin(pin, "user-pin-4711");
  expect_no_pin(pin, "so-pin-8842");

  const auto objects =
      run_admin({"objects", "--json", "--module", module, "--token", "cli-fresh", "--pin-source", "env:CLI_PIN"}, env);
  ASSERT_EQ(objects.exit_code, 0) << describe(objects);
  const ptree tree = parse_json(objects);
  EXPECT_TRUE(tree.get<bool>("logged_in"));
  EXPECT_TRUE(array(tree, "objects").empty());
}

TEST(InitToken, NeedsAnExplicitTokenWithModule) {
  const auto r = run_admin({"init-token", "--module", TestTokens::softhsm().module_path, "--label", "x",
                            "--so-pin-source", "env:CLI_SO"},
                           {"CLI_SO=12345678"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("--free"), std::string::npos) << r.err;
}

TEST(InitToken, PromptWithoutTerminalIsAUsageError) {
  const auto r = run_admin({"init-token", "--module", TestTokens::softhsm().module_path, "--free", "--label", "x"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("no terminal"), std::string::npos) << r.err;
  EXPECT_EQ(line_count(r.err), 1u) << describe(r);
}

TEST(InitToken, RefusesToWipeObjectsUnlessForced) {
  const AdminToken t("cli-reinit");
  const auto keygen = run_admin(Args{"keygen", "ec:p256", "--label", "k"} + t.user(), t.env());
  ASSERT_EQ(keygen.exit_code, 0) << describe(keygen);

  const auto args = std::vector<std::string>{"init-token", "--label", "cli-reinit2", "--so-pin-source",
                                             "env:" + t.so_pin_var} +
                    t.select();
  const auto refused = run_admin(args + std::vector<std::string>{"--pin-source", "env:" + t.user_pin_var}, t.env());
  EXPECT_EQ(refused.exit_code, 1) << describe(refused);
  EXPECT_NE(refused.err.find("holds 2 object(s)"), std::string::npos) << refused.err;
  // Without a user PIN only the public key is seen.
  const auto blind = run_admin(args, t.env());
  EXPECT_EQ(blind.exit_code, 1) << describe(blind);
  EXPECT_NE(blind.err.find("holds at least 1 object(s)"), std::string::npos) << blind.err;
  EXPECT_EQ(object_count(t), 2u) << "a refused init-token changed the token";

  const auto forced = run_admin(args + std::vector<std::string>{"--force", "--json"}, t.env());
  ASSERT_EQ(forced.exit_code, 0) << describe(forced);
  EXPECT_TRUE(parse_json(forced).get<bool>("reinitialised"));
  const auto pin = run_admin({"init-pin", "--module", t.spec.module_path, "--token", "cli-reinit2", "--so-pin-source",
                              "env:" + t.so_pin_var, "--pin-source", "env:" + t.user_pin_var},
                             t.env());
  ASSERT_EQ(pin.exit_code, 0) << describe(pin);
  const auto objects = run_admin({"objects", "--json", "--module", t.spec.module_path, "--token", "cli-reinit2",
                                  "--pin-source", "env:" + t.user_pin_var},
                                 t.env());
  ASSERT_EQ(objects.exit_code, 0) << describe(objects);
  EXPECT_TRUE(array(parse_json(objects), "objects").empty());
}

TEST(InitToken, AnEmptyTokenNeedsItsUserToSayItIsEmpty) {
  const AdminToken t("cli-reinit-empty");
  const auto args = Args{"init-token", "--label", "cli-reinit-empty", "--so-pin-source", "env:" + t.so_pin_var} +
                    t.select();
  const auto blind = run_admin(args, t.env());
  EXPECT_EQ(blind.exit_code, 1) << describe(blind);
  EXPECT_NE(blind.err.find("may hold private objects"), std::string::npos) << blind.err;
  const auto counted = run_admin(args + Args{"--pin-source", "env:" + t.user_pin_var}, t.env());
  EXPECT_EQ(counted.exit_code, 0) << describe(counted);
}

TEST(InitToken, WrongSoPinOnReinitialise) {
  const AdminToken t("cli-reinit-pin");
  const auto r = run_admin(Args{"init-token", "--label", "again", "--so-pin-source", "env:BAD_SO", "--pin-source",
                            "env:" + t.user_pin_var} +
                               t.select(),
                           t.env() + std::vector<std::string>{"BAD_SO=wrong-so-pin"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.err.find("SO PIN"), std::string::npos) << r.err;
  expect_no_pin(r, "wrong-so-pin");
}

TEST(Pins, WrongUserPinShowsTheTokenFlagsNotThePin) {
  const AdminToken t("cli-wrong-pin");
  const auto r = run_admin(Args{"objects", "--pin-source", "env:BAD_PIN"} + t.select(),
                           std::vector<std::string>{"BAD_PIN=not-the-pin-31337"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_EQ(line_count(r.err), 1u) << describe(r);
  EXPECT_NE(r.err.find("CKR_PIN_INCORRECT"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("token PIN flags now: "), std::string::npos) << r.err;
  // SoftHSMv2 raises CKF_USER_PIN_COUNT_LOW after a failed login.
  EXPECT_NE(r.err.find("user-pin-count-low"), std::string::npos) << r.err;
  expect_no_pin(r, "not-the-pin-31337");
}

TEST(Pins, WrongSoPinForInitPin) {
  const AdminToken t("cli-wrong-so");
  const auto r = run_admin(Args{"init-pin", "--so-pin-source", "env:BAD_SO", "--pin-source", "env:" + t.user_pin_var} +
                               t.select(),
                           t.env() + std::vector<std::string>{"BAD_SO=so-wrong-2718"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.err.find("rejected the SO PIN"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("so-pin"), std::string::npos) << "SO retry flags expected: " << r.err;
  expect_no_pin(r, "so-wrong-2718");
}

TEST(Pins, UnsetVariableAndLoosePinFileAreUsageErrors) {
  const AdminToken t("cli-pin-src");
  const auto unset = run_admin(Args{"objects", "--pin-source", "env:CLI_NOT_SET_ANYWHERE"} + t.select());
  EXPECT_EQ(unset.exit_code, 2) << describe(unset);
  EXPECT_NE(unset.err.find("CLI_NOT_SET_ANYWHERE"), std::string::npos);
  const std::string file = write_test_file("pin.txt", t.spec.user_pin + "\n", 0644);
  const auto loose = run_admin(Args{"objects", "--pin-source", "file:" + file} + t.select());
  EXPECT_EQ(loose.exit_code, 2) << describe(loose);
  EXPECT_NE(loose.err.find("chmod 600"), std::string::npos) << loose.err;
  expect_no_pin(loose, t.spec.user_pin);
  const std::string tight = write_test_file("pin600.txt", t.spec.user_pin + "\n", 0600);
  const auto ok = run_admin(Args{"objects", "--pin-source", "file:" + tight} + t.select());
  EXPECT_EQ(ok.exit_code, 0) << describe(ok);
}

TEST(ChangePin, UserPin) {
  const AdminToken t("cli-change");
  const std::vector<std::string> env = t.env() + std::vector<std::string>{"NEW_PIN=fresh-user-pin-99"};
  const auto r = run_admin(Args{"change-pin", "--new-pin-source", "env:NEW_PIN"} + t.user(), env);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  expect_no_pin(r, "fresh-user-pin-99");
  expect_no_pin(r, t.spec.user_pin);

  const auto with_new = run_admin(Args{"objects", "--pin-source", "env:NEW_PIN"} + t.select(), env);
  EXPECT_EQ(with_new.exit_code, 0) << describe(with_new);
  const auto with_old = run_admin(Args{"objects"} + t.user(), env);
  EXPECT_EQ(with_old.exit_code, 1) << describe(with_old);
}

// A new PIN typed at the prompt is asked twice; two different ones change nothing.
TEST(ChangePin, PromptAsksForTheNewPinTwice) {
  const AdminToken t("cli-change-prompt");
  const std::string first = "typed-pin-1234", second = "typed-pin-5678";
  const Args change = Args{"change-pin", "--new-pin-source", "prompt"} + t.user();
  const auto differ = run_admin_on_terminal(
      change, t.env(), {{"new user PIN for token 'cli-change-prompt': ", first}, {"the new user PIN again: ", second}});
  EXPECT_EQ(differ.exit_code, 2) << describe(differ);
  EXPECT_NE(differ.out.find("the two new user PINs typed differ; nothing was changed"), std::string::npos)
      << describe(differ);
  EXPECT_EQ(differ.out.find(first), std::string::npos) << "a PIN echoed or printed: " << describe(differ);
  EXPECT_EQ(differ.out.find(second), std::string::npos) << "a PIN echoed or printed: " << describe(differ);
  const auto unchanged = run_admin(Args{"objects"} + t.user(), t.env());
  EXPECT_EQ(unchanged.exit_code, 0) << describe(unchanged);

  const auto same = run_admin_on_terminal(
      change, t.env(), {{"new user PIN for token 'cli-change-prompt': ", first}, {"the new user PIN again: ", first}});
  EXPECT_EQ(same.exit_code, 0) << describe(same);
  EXPECT_EQ(same.out.find(first), std::string::npos) << "a PIN echoed or printed: " << describe(same);
  const auto with_new = run_admin(Args{"objects", "--pin-source", "env:TYPED"} + t.select(),
                                  t.env() + std::vector<std::string>{"TYPED=" + first});
  EXPECT_EQ(with_new.exit_code, 0) << describe(with_new);
}

TEST(ChangePin, SoPin) {
  const AdminToken t("cli-change-so");
  const std::vector<std::string> env = t.env() + std::vector<std::string>{"NEW_SO=fresh-so-pin-77"};
  const auto r = run_admin(Args{"change-pin", "--so", "--so-pin-source", "env:" + t.so_pin_var, "--new-pin-source",
                            "env:NEW_SO", "--json"} +
                               t.select(),
                           env);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(parse_json(r).get<std::string>("changed"), "so");
  // The security officer now logs in with the new PIN only.
  const Args init_pin_args{"init-pin", "--so-pin-source", "env:NEW_SO", "--pin-source", "env:" + t.user_pin_var};
  const auto init_pin = run_admin(init_pin_args + t.select(), env);
  EXPECT_EQ(init_pin.exit_code, 0) << describe(init_pin);
  const auto old_so = run_admin(Args{"init-pin", "--so-pin-source", "env:" + t.so_pin_var, "--pin-source",
                                 "env:" + t.user_pin_var} +
                                    t.select(),
                                env);
  EXPECT_EQ(old_so.exit_code, 1) << describe(old_so);
}

// The words of a one-line command (no quoting needed for what the tests use).
std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// The command after "next: set the user PIN with " in init-token's output,
// without the program name.
std::vector<std::string> next_hint(const AdminResult& r) {
  const std::string marker = "next: set the user PIN with sslp11-admin ";
  const auto at = r.out.find(marker);
  if (at == std::string::npos) {
    ADD_FAILURE() << "no next: hint\n" << describe(r);
    return {};
  }
  const auto start = at + marker.size();
  return words(r.out.substr(start, r.out.find('\n', start) - start));
}

// Issue 16: the hint is a command that works as printed (it keeps --module),
// and names the serial when the label alone would be refused.
TEST(InitToken, NextHintCanBeRunAsPrinted) {
  TestTokens::softhsm();
  const std::string module = TestTokens::softhsm().module_path;
  const std::vector<std::string> env{"CLI_SO=so-pin-7331", "CLI_PIN=user-pin-1337"};
  const Args init{"init-token", "--module", module, "--free", "--label", "cli-hint", "--so-pin-source", "env:CLI_SO"};
  const auto first = run_admin(init, env);
  ASSERT_EQ(first.exit_code, 0) << describe(first);
  const auto hint = next_hint(first);
  EXPECT_EQ(hint, (Args{"init-pin", "--module", module, "--token", "cli-hint"})) << first.out;
  const auto pin = run_admin(hint + Args{"--so-pin-source", "env:CLI_SO", "--pin-source", "env:CLI_PIN"}, env);
  EXPECT_EQ(pin.exit_code, 0) << describe(pin);

  const auto second = run_admin(init, env);
  ASSERT_EQ(second.exit_code, 0) << describe(second);
  const auto twin_hint = next_hint(second);
  ASSERT_EQ(twin_hint.size(), 7u) << second.out;
  EXPECT_EQ(twin_hint[5], "--serial") << second.out;
  const auto twin_pin =
      run_admin(twin_hint + Args{"--so-pin-source", "env:CLI_SO", "--pin-source", "env:CLI_PIN"}, env);
  EXPECT_EQ(twin_pin.exit_code, 0) << describe(twin_pin);
}

// Issue 16: change-pin says what the provider reads the PIN from, which must
// now hold the new one.
TEST(ChangePin, RemindsWhereTheProviderReadsThePin) {
  const AdminToken t("cli-change-remind");
  const std::string pin_file = write_test_file("remind.pin", t.spec.user_pin + "\n");
  const std::string conf = write_test_file(
      "remind.conf", "[token.web]\nmodule = " + t.spec.module_path + "\nlabel = " + t.spec.label +
                         "\npin = file:" + pin_file + "\n");
  const std::vector<std::string> env = t.env() + std::vector<std::string>{"NEW_PIN=next-user-pin-31"};
  const auto r = run_admin({"change-pin", "--config", conf, "--new-pin-source", "env:NEW_PIN"}, env);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.out.find("remember: write the new PIN to " + pin_file + " (the `pin` of [token.web] of " + conf + ")"),
            std::string::npos)
      << r.out;
  expect_no_pin(r, "next-user-pin-31");

  const std::vector<std::string> env2 = env + std::vector<std::string>{"NEWER_PIN=newer-user-pin-32"};
  const auto json = run_admin(Args{"change-pin", "--json", "--pin-source", "env:NEW_PIN", "--new-pin-source",
                                   "env:NEWER_PIN"} +
                                  t.select(),
                              env2);
  ASSERT_EQ(json.exit_code, 0) << describe(json);
  EXPECT_NE(parse_json(json).get<std::string>("reminder").find("PIN file or environment variable"),
            std::string::npos)
      << json.out;
}

}  // namespace
}  // namespace sslp11::test
