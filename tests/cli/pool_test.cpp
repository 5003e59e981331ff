// `sslp11-admin pool status`, `doctor` and `bench` on a pool, with the real
// binary on a throwaway pool of two SoftHSM tokens: each member with its
// sessions and state, as text and JSON; a pool that is not the default-token;
// a member that cannot open; doctor naming the member that lacks a key; bench
// over the pool and on one member; usage errors. (A member marked down
// mid-run is tested through the API in tests/pool/failover_test.cpp: that
// state is the process's own, and starts up here.)
#include <gtest/gtest.h>

#include <sstream>

#include "cli/support/admin_runner.h"
#include "cli/support/openssl_keys.h"

namespace sslp11::test {
namespace {

using boost::property_tree::ptree;

std::string token_section(const std::string& name, const AdminToken& t, const std::string& extra = "") {
  std::ostringstream c;
  c << "[token." << name << "]\nmodule = " << t.spec.module_path << "\nlabel = " << t.spec.label
    << "\npin = env:" << t.user_pin_var << "\n" << extra;
  return c.str();
}

class PoolStatus : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    a_ = new AdminToken("cli-pool-a");
    b_ = new AdminToken("cli-pool-b");
  }
  static void TearDownTestSuite() {
    delete a_;
    delete b_;
  }
  static std::vector<std::string> env() { return a_->env() + b_->env(); }
  // [token.a], [token.b] (pool-size 3), [pool.farm] of both, and `provider`.
  static std::string config(const std::string& name, const std::string& provider,
                            const std::string& members = "a, b") {
    return write_test_file(name + ".conf", provider + token_section("a", *a_) +
                                               token_section("b", *b_, "pool-size = 3\n") +
                                               "[pool.farm]\nmembers = " + members + "\n");
  }
  static AdminToken* a_;
  static AdminToken* b_;
};
AdminToken* PoolStatus::a_ = nullptr;
AdminToken* PoolStatus::b_ = nullptr;

TEST_F(PoolStatus, ShowsEachMemberAsJsonAndText) {
  const std::string conf = config("pool-default", "[provider]\ndefault-token = farm\n");
  const auto json = run_admin({"pool", "status", "--json", "--config", conf}, env());
  ASSERT_EQ(json.exit_code, 0) << describe(json);
  const ptree d = parse_json(json);
  EXPECT_EQ(d.get<std::string>("pool"), "farm");
  const auto members = array(d, "members");
  ASSERT_EQ(members.size(), 2u) << json.out;
  EXPECT_EQ(members[0].get<std::string>("name"), "a");
  EXPECT_EQ(members[1].get<std::string>("name"), "b");
  EXPECT_EQ(members[0].get<unsigned>("pool_size"), 8u);
  EXPECT_EQ(members[1].get<unsigned>("pool_size"), 3u);
  for (const ptree& m : members) {
    EXPECT_TRUE(m.get<bool>("up")) << json.out;
    EXPECT_EQ(m.get<unsigned>("outstanding"), 0u);
    EXPECT_EQ(m.get<unsigned>("sessions_in_use"), 0u);
    EXPECT_GE(m.get<unsigned>("sessions_open"), 1u);  // the open logged in on one
    EXPECT_EQ(m.get<std::string>("down_since"), "null");
    EXPECT_EQ(m.get<std::string>("last_error"), "");
  }

  const auto text = run_admin({"pool", "status", "--config", conf}, env());
  ASSERT_EQ(text.exit_code, 0) << describe(text);
  EXPECT_NE(text.out.find("pool farm: 2 members"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("\na      up    0/"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("/3 "), std::string::npos) << text.out;  // b's pool-size
}

TEST_F(PoolStatus, APoolThatIsNotTheDefaultToken) {
  // The provider opens the default-token only: --pool opens a copy of the
  // config naming the pool instead (the [provider] section's other keys kept).
  const std::string conf = config("pool-other", "[provider]\nlog-level = warn\ndefault-token = a\n");
  const auto pool = run_admin({"pool", "status", "--json", "--pool", "farm", "--config", conf}, env());
  ASSERT_EQ(pool.exit_code, 0) << describe(pool);
  EXPECT_EQ(parse_json(pool).get<std::string>("pool"), "farm");
  EXPECT_EQ(array(parse_json(pool), "members").size(), 2u) << pool.out;

  // Without --pool: the default token, a pool of one.
  const auto lone = run_admin({"pool", "status", "--json", "--config", conf}, env());
  ASSERT_EQ(lone.exit_code, 0) << describe(lone);
  const auto members = array(parse_json(lone), "members");
  ASSERT_EQ(members.size(), 1u) << lone.out;
  EXPECT_EQ(members[0].get<std::string>("name"), "a");
}

TEST_F(PoolStatus, AMemberThatCannotOpenFailsTheCommand) {
  const std::string conf = config("pool-missing", "[provider]\ndefault-token = farm\n",
                                  "a, gone\n[token.gone]\nmodule = " + a_->spec.module_path +
                                      "\nlabel = no-such-token\npin = none");
  const auto r = run_admin({"pool", "status", "--config", conf}, env());
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.err.find("no-such-token"), std::string::npos) << describe(r);
}

// doctor on a pool default-token: the key imported on "a" only is named as
// missing on "b", a problem (exit 1); the checks of "a" itself still pass.
TEST_F(PoolStatus, DoctorNamesTheMemberLackingAKey) {
  const OpenSslKey key("ec:P-256", "pool-web");
  const std::string key_file = write_test_file("pool-web.key", key.private_key(KeyEncoding::pkcs8_pem));
  const std::string cert_file = write_test_file("pool-web.crt", key.certificate_pem());
  const auto imported =
      run_admin(Args{"import", "--key", key_file, "--cert", cert_file, "--label", "pool-web", "--id", "5eb1"} +
                    a_->user(), env());
  ASSERT_EQ(imported.exit_code, 0) << describe(imported);

  const std::string conf = config("pool-doctor", "[provider]\ndefault-token = farm\n");
  const auto r = run_admin({"doctor", "--json", "--config", conf}, env());
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  const ptree d = parse_json(r);
  EXPECT_EQ(d.get<std::string>("pool.name"), "farm") << r.out;
  const auto members = array(d, "pool.members");
  ASSERT_EQ(members.size(), 2u) << r.out;
  EXPECT_EQ(members[0].get<std::string>("name"), "a");
  EXPECT_TRUE(array(members[0], "lacking_keys").empty()) << r.out;
  ASSERT_EQ(array(members[1], "lacking_keys").size(), 1u) << r.out;
  EXPECT_EQ(array(members[1], "lacking_keys")[0].data(), "certificate 'pool-web' id 5eb1") << r.out;
  std::vector<std::string> pool_problems;
  for (const ptree& f : array(d, "findings")) {
    if (f.get<std::string>("check") == "pool") {
      pool_problems.push_back(f.get<std::string>("severity") + ": " + f.get<std::string>("text"));
    }
  }
  ASSERT_EQ(pool_problems.size(), 1u) << r.out;
  EXPECT_NE(pool_problems[0].find("problem: certificate 'pool-web' id 5eb1: its private key is not on pool "
                                  "member(s) b"),
            std::string::npos)
      << pool_problems[0];
  EXPECT_TRUE(d.get<bool>("self_test.passed")) << r.out;

  const auto text = run_admin({"doctor", "--config", conf}, env());
  EXPECT_EQ(text.exit_code, 1) << describe(text);
  EXPECT_NE(text.out.find("pool        [pool.farm]: 2 members"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("[token.b] PROBLEM: lacks the private key of certificate 'pool-web' id 5eb1"),
            std::string::npos) << text.out;

  const auto removed = run_admin(Args{"delete", "--id", "5eb1", "--yes"} + a_->user(), env());
  EXPECT_EQ(removed.exit_code, 0) << describe(removed);
}

// bench on a pool default-token runs over the pool; --member on one member.
TEST_F(PoolStatus, BenchOverThePoolAndOnOneMember) {
  const std::string conf = config("pool-bench", "[provider]\ndefault-token = farm\n");
  for (const Args& args : {Args{"bench", "--seconds", "0.1", "--json", "--config", conf},
                           Args{"bench", "--seconds", "0.1", "--json", "--member", "b", "--config", conf}}) {
    const auto r = run_admin(args, env());
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_FALSE(parse_json(r).empty()) << r.out;
  }
  const auto wrong = run_admin({"bench", "--member", "nope", "--config", conf}, env());
  EXPECT_EQ(wrong.exit_code, 2) << describe(wrong);
  EXPECT_NE(wrong.err.find("--member nope is not a member"), std::string::npos) << describe(wrong);
}

TEST_F(PoolStatus, UsageErrors) {
  const std::string conf = config("pool-usage", "[provider]\ndefault-token = farm\n");
  for (const Args& args : {Args{"pool", "--config", conf}, Args{"pool", "frobnicate", "--config", conf},
                           Args{"pool", "status", "--pool", "nope", "--config", conf},
                           Args{"pool", "status", "--token", "a", "--config", conf}}) {
    const auto r = run_admin(args, env());
    EXPECT_EQ(r.exit_code, 2) << describe(r);
    EXPECT_EQ(line_count(r.err), 1u) << describe(r);
  }
}

}  // namespace
}  // namespace sslp11::test
