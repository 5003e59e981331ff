// `sslp11-admin doctor` on a pool default-token: the key schedule self-test
// runs on every member, each reported by name in text and JSON (one entry per
// member); a member whose self-test cannot run (derivation = native-only on a
// SoftHSM member, a module that is no PKCS#11 module, a missing token; the
// first member too) is a problem naming it (exit 1) while the others are
// still checked; a skipped one is a warning
// (exit 0) and never called passed. Members: SoftHSM "a" and "b", NSS "n".
#include <gtest/gtest.h>

#include <sstream>

#include "cli/support/admin_runner.h"

namespace sslp11::test {
namespace {

using boost::property_tree::ptree;

std::string section(const std::string& name, const AdminToken& t, const std::string& extra = "") {
  std::ostringstream c;
  c << "[token." << name << "]\nmodule = " << t.spec.module_path << "\n";
  if (!t.spec.init_args.empty()) c << "init-args = \"" << t.spec.init_args << "\"\n";
  c << "label = " << t.spec.label << "\npin = " << (t.spec.login_required ? "env:" + t.user_pin_var : "none")
    << "\n" << extra;
  return c.str();
}

class DoctorPool : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    a_ = new AdminToken("cli-docpool-a");
    b_ = new AdminToken("cli-docpool-b");
    n_ = new AdminToken(TestTokens::nss());
  }
  static void TearDownTestSuite() {
    delete a_;
    delete b_;
    delete n_;
  }
  static std::vector<std::string> env() { return a_->env() + b_->env(); }
  // [pool.farm] of `members` as the default-token; `b_extra` goes into [token.b].
  static std::string config(const std::string& name, const std::string& members, const std::string& b_extra = "",
                            const std::string& more = "") {
    return write_test_file(name + ".conf", "[provider]\ndefault-token = farm\n" + section("a", *a_) +
                                               section("b", *b_, b_extra) + section("n", *n_) + more +
                                               "[pool.farm]\nmembers = " + members + "\n");
  }
  // The pool.members entry named `name`, or an empty tree (and a failure).
  static ptree member(const ptree& doc, const std::string& name) {
    for (const ptree& m : array(doc, "pool.members"))
      if (m.get<std::string>("name") == name) return m;
    ADD_FAILURE() << "no pool member " << name;
    return {};
  }
  static std::vector<std::string> findings(const ptree& doc, const std::string& severity) {
    std::vector<std::string> out;
    for (const ptree& f : array(doc, "findings"))
      if (f.get<std::string>("severity") == severity) out.push_back(f.get<std::string>("text"));
    return out;
  }
  static bool any_contains(const std::vector<std::string>& texts, const std::string& part) {
    for (const auto& t : texts)
      if (t.find(part) != std::string::npos) return true;
    return false;
  }
  static AdminToken* a_;
  static AdminToken* b_;
  static AdminToken* n_;
};
AdminToken* DoctorPool::a_ = nullptr;
AdminToken* DoctorPool::b_ = nullptr;
AdminToken* DoctorPool::n_ = nullptr;

TEST_F(DoctorPool, EveryMemberPassesItsSelfTest) {
  const std::string conf = config("docpool-all", "a, b, n");
  const auto json = run_admin({"doctor", "--json", "--config", conf}, env());
  // Suites only some members offer are warnings; nothing here is a problem.
  ASSERT_EQ(json.exit_code, 0) << describe(json);
  const ptree d = parse_json(json);
  EXPECT_EQ(d.get<std::string>("pool.name"), "farm");
  const auto members = array(d, "pool.members");
  ASSERT_EQ(members.size(), 3u) << json.out;
  const char* expected_path[] = {"composed", "composed", "native"};
  for (std::size_t i = 0; i < members.size(); ++i) {
    const ptree& m = members[i];
    EXPECT_EQ(m.get<std::string>("name"), std::string(1, "abn"[i]));
    EXPECT_EQ(m.get<std::string>("error"), "") << json.out;
    EXPECT_EQ(m.get<std::string>("self_test.status"), "passed") << json.out;
    EXPECT_TRUE(m.get<bool>("self_test.passed")) << json.out;
    EXPECT_FALSE(m.get<bool>("self_test.skipped")) << json.out;
    EXPECT_FALSE(m.get<std::string>("self_test.suite").empty()) << json.out;
    EXPECT_EQ(m.get<std::string>("self_test.path"), expected_path[i]) << json.out;
  }
  EXPECT_TRUE(d.get<bool>("self_test.passed")) << json.out;
  EXPECT_FALSE(any_contains(findings(d, "warning"), "self-test")) << json.out;
  // ChaCha20-Poly1305 runs on the NSS softoken (n) only: named, and not offered by the pool.
  bool chacha_named = false;
  for (const std::string& w : findings(d, "warning")) {
    chacha_named = chacha_named || (w.find("CHACHA20_POLY1305") != std::string::npos &&
                                    w.find("is not offered by pool member(s) a, b, so the pool does not offer it") !=
                                        std::string::npos);
  }
  EXPECT_TRUE(chacha_named) << json.out;

  const auto text = run_admin({"doctor", "--config", conf}, env());
  ASSERT_EQ(text.exit_code, 0) << describe(text);
  EXPECT_NE(text.out.find("pool        [pool.farm]: 3 members"), std::string::npos) << text.out;
  for (const char* name : {"a", "b", "n"}) {
    const std::string line = std::string("    [token.") + name + "] every certificate's private key, ";
    const auto at = text.out.find(line);
    ASSERT_NE(at, std::string::npos) << name << "\n" << text.out;
    const std::string rest = text.out.substr(at, text.out.find('\n', at) - at);
    EXPECT_NE(rest.find("; self-test passed (TLS_"), std::string::npos) << rest;
  }
}

// derivation = native-only on SoftHSM "b": the provider refuses to open it, so
// its self-test cannot run: a problem naming b, exit 1; a and n still pass.
TEST_F(DoctorPool, AMemberWhoseSelfTestCannotRunIsAProblemNamingIt) {
  const std::string conf = config("docpool-native-only", "a, b, n", "derivation = native-only\n");
  const auto json = run_admin({"doctor", "--json", "--config", conf}, env());
  EXPECT_EQ(json.exit_code, 1) << describe(json);
  const ptree d = parse_json(json);
  ASSERT_EQ(array(d, "pool.members").size(), 3u) << json.out;
  const ptree b = member(d, "b");
  EXPECT_NE(b.get<std::string>("error").find("native-only"), std::string::npos) << json.out;
  EXPECT_EQ(b.get<std::string>("self_test.status"), "not run") << json.out;
  EXPECT_FALSE(b.get<bool>("self_test.passed")) << json.out;
  for (const char* other : {"a", "n"}) {
    EXPECT_EQ(member(d, other).get<std::string>("self_test.status"), "passed") << other << "\n" << json.out;
  }
  EXPECT_TRUE(any_contains(findings(d, "problem"), "pool member [token.b] cannot be checked (its keys, suites and "
                                                   "self-test)"))
      << json.out;
  EXPECT_FALSE(any_contains(findings(d, "problem"), "[token.a]")) << json.out;
  EXPECT_FALSE(any_contains(findings(d, "problem"), "[token.n]")) << json.out;

  const auto text = run_admin({"doctor", "--config", conf}, env());
  EXPECT_EQ(text.exit_code, 1) << describe(text);
  EXPECT_NE(text.out.find("    [token.b] PROBLEM: "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("(self-test not run)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("problem: pool member [token.b] cannot be checked"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("    [token.n] every certificate's private key"), std::string::npos) << text.out;
}

// A member that is down, its module no PKCS#11 module or its token missing:
// a problem for that member; the members after it are still checked.
TEST_F(DoctorPool, AMemberThatIsDownIsAProblemAndTheOthersAreStillChecked) {
  for (const std::string& gone : {std::string("module = " SSLP11_NOT_A_MODULE "\nlabel = gone\n"),
                                  "module = " + a_->spec.module_path + "\nlabel = no-such-token\n"}) {
    SCOPED_TRACE(gone);
    const std::string conf = config("docpool-down", "a, gone, n", "", "[token.gone]\n" + gone + "pin = none\n");
    const auto json = run_admin({"doctor", "--json", "--config", conf}, env());
    EXPECT_EQ(json.exit_code, 1) << describe(json);
    const ptree d = parse_json(json);
    ASSERT_EQ(array(d, "pool.members").size(), 3u) << json.out;
    EXPECT_FALSE(member(d, "gone").get<std::string>("error").empty()) << json.out;
    EXPECT_EQ(member(d, "gone").get<std::string>("self_test.status"), "not run") << json.out;
    EXPECT_FALSE(member(d, "gone").get<bool>("self_test.passed")) << json.out;
    EXPECT_EQ(member(d, "n").get<std::string>("self_test.status"), "passed") << json.out;
    EXPECT_TRUE(any_contains(findings(d, "problem"), "pool member [token.gone] cannot be checked")) << json.out;
  }
}

// The first member down: the full checks run on the next one that opens
// ("a"), and the first is a problem naming it.
TEST_F(DoctorPool, AFirstMemberThatIsDownLeavesTheChecksToTheNextOne) {
  const std::string conf = config("docpool-first-down", "gone, a, n", "",
                                  "[token.gone]\nmodule = " SSLP11_NOT_A_MODULE "\nlabel = gone\npin = none\n");
  const auto json = run_admin({"doctor", "--json", "--config", conf}, env());
  EXPECT_EQ(json.exit_code, 1) << describe(json);
  const ptree d = parse_json(json);
  EXPECT_EQ(d.get<std::string>("section"), "a") << json.out;
  EXPECT_TRUE(d.get<bool>("self_test.passed")) << json.out;
  const auto members = array(d, "pool.members");
  ASSERT_EQ(members.size(), 3u) << json.out;
  EXPECT_EQ(members[0].get<std::string>("name"), "gone");
  EXPECT_EQ(members[0].get<std::string>("self_test.status"), "not run") << json.out;
  EXPECT_EQ(members[1].get<std::string>("self_test.status"), "passed") << json.out;
  EXPECT_EQ(members[2].get<std::string>("self_test.status"), "passed") << json.out;
  EXPECT_TRUE(any_contains(findings(d, "problem"), "pool member [token.gone] cannot be checked")) << json.out;

  const auto text = run_admin({"doctor", "--config", conf}, env());
  EXPECT_EQ(text.exit_code, 1) << describe(text);
  EXPECT_NE(text.out.find("[token.a] (default token [pool.farm]: its first member that opens)"), std::string::npos)
      << text.out;
}

// "b" offers only a SHA-384 suite: its self-test (whose known answers are for
// the SHA-256 PRF) is skipped, a warning naming b (exit 0), and JSON does not
// call it passed.
TEST_F(DoctorPool, ASkippedMemberSelfTestIsAWarningNamingItNeverPassed) {
  const std::string conf =
      config("docpool-skipped", "a, b", "cipher-suites = TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384\n");
  const auto json = run_admin({"doctor", "--json", "--config", conf}, env());
  EXPECT_EQ(json.exit_code, 0) << describe(json);
  const ptree d = parse_json(json);
  const ptree b = member(d, "b");
  EXPECT_EQ(b.get<std::string>("self_test.status"), "skipped") << json.out;
  EXPECT_TRUE(b.get<bool>("self_test.skipped")) << json.out;
  EXPECT_FALSE(b.get<bool>("self_test.passed")) << "a skipped self-test is not a passed one\n" << json.out;
  EXPECT_EQ(member(d, "a").get<std::string>("self_test.status"), "passed") << json.out;
  EXPECT_TRUE(any_contains(findings(d, "warning"), "pool member [token.b]: the key schedule self-test was skipped"))
      << json.out;

  const auto text = run_admin({"doctor", "--config", conf}, env());
  EXPECT_EQ(text.exit_code, 0) << describe(text);
  EXPECT_NE(text.out.find("self-test skipped (WARNING: not passed)"), std::string::npos) << text.out;
}

}  // namespace
}  // namespace sslp11::test
