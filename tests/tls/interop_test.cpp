// sslp11-tls against OpenSSL 3.0's command-line TLS 1.2 peer: every suite x
// token x role x EMS state, application data checked both ways, plus session
// resumption in both roles. One ctest test per case (label "tls").
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tls/suites.h"
#include "tls/support/pki.h"
#include "tls/support/tls_runs.h"

namespace sslp11::tlstest {
namespace {

enum class Role { client, server };

struct Case {
  TokenSpec token;
  std::string suite;  // OpenSSL name
  Role role;
  bool ems;
};

const std::vector<std::string>& suites() {
  static const std::vector<std::string> s{"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
                                          "ECDHE-RSA-AES128-SHA256", "AES128-GCM-SHA256",
                                          "DHE-RSA-AES128-GCM-SHA256"};
  return s;
}

std::vector<Case> all_cases() {
  std::vector<Case> out;
  for (const TokenSpec& token : test::TestTokens::all())
    for (const std::string& suite : suites())
      for (Role role : {Role::client, Role::server})
        for (bool ems : {true, false}) out.push_back({token, suite, role, ems});
  return out;
}

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.token.name << " " << (c.role == Role::client ? "client" : "server") << " " << c.suite << " EMS "
      << (c.ems ? "on" : "off");
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string suite = info.param.suite;
  for (char& c : suite)
    if (c == '-') c = '_';
  return info.param.token.name + "_" + (info.param.role == Role::client ? "client" : "server") + "_" + suite + "_" +
         (info.param.ems ? "ems" : "no_ems");
}

std::string iana(const std::string& openssl_name) { return *tls::iana_suite_name(*tls::find_suite_id(openssl_name)); }

class Interop : public ::testing::TestWithParam<Case> {};

// The OpenSSL peer decides EMS: with the Case's `ems` false it is configured
// without it (OPENSSL_CONF Options = -ExtendedMasterSecret), while sslp11-tls
// still offers / accepts it, so the negotiation itself is what is tested.
TEST_P(Interop, ApplicationDataBothWays) {
  const Case& c = GetParam();
  RunResult run;
  if (c.role == Role::client) {
    ClientRun spec;
    spec.suite = c.suite;
    spec.text = "sslp11-tls client says hello over " + c.suite;
    spec.peer_ems = c.ems;
    run = run_client(c.token, spec);
    ASSERT_TRUE(run.setup_error.empty()) << run.describe();
    ASSERT_EQ(run.ours, 0) << run.describe();
    // s_server -rev got our text and sent it back reversed: both directions intact.
    const std::string echo = reversed(spec.text);
    EXPECT_NE(run.ours_out.find("<< application data: " + std::to_string(echo.size() + 1) + " bytes: \"" + echo + "\\n\""),
              std::string::npos)
        << run.describe();
  } else {
    ServerRun spec;
    spec.suites = c.suite;
    spec.peer_cipher = c.suite;
    spec.text = "openssl s_client says hello over " + c.suite;
    spec.peer_ems = c.ems;
    run = run_server(c.token, spec);
    ASSERT_TRUE(run.setup_error.empty()) << run.describe();
    ASSERT_EQ(run.ours, 0) << run.describe();
    EXPECT_EQ(run.peer, 0) << run.describe();
    // Our server got the line (it says so) and echoed it (s_client printed it).
    EXPECT_NE(run.ours_out.find("<< application data: " + std::to_string(spec.text.size() + 1) + " bytes: \"" +
                                spec.text + "\\n\""),
              std::string::npos)
        << run.describe();
    EXPECT_NE(run.peer_out.find(spec.text), std::string::npos) << run.describe();
    if (c.suite.rfind("AES128-GCM", 0) == 0) {
      EXPECT_NE(run.ours_out.find("(SslImportMasterKey)"), std::string::npos) << run.describe();
    }
  }
  EXPECT_NE(run.ours_out.find("cipher suite     " + iana(c.suite)), std::string::npos) << run.describe();
  EXPECT_NE(run.ours_out.find(std::string("extended master secret  ") + (c.ems ? "on" : "off")), std::string::npos)
      << run.describe();
  // Every secret of the handshake lived on the token, as the token reports it.
  for (const std::string key : {"\n     master key (secret): CKK_GENERIC_SECRET (48 bytes)",
                                "\n     read key (cipher key): CKK_AES", "\n     write key (cipher key): CKK_AES"}) {
    const auto at = run.ours_out.find(key);
    ASSERT_NE(at, std::string::npos) << key << "\n" << run.describe();
    const std::string line = run.ours_out.substr(at + 1, run.ours_out.find('\n', at + 1) - at - 1);
    EXPECT_NE(line.find("sensitive, not extractable"), std::string::npos) << line;
  }
  if (c.suite.find("DHE-") != std::string::npos || c.suite.find("ECDHE-") != std::string::npos) {
    EXPECT_NE(run.ours_out.find("ephemeral key (private key): "), std::string::npos) << run.describe();
  }
}

INSTANTIATE_TEST_SUITE_P(SuiteTokenRole, Interop, ::testing::ValuesIn(all_cases()), case_name);

// Our own --no-ems: the OpenSSL peer offers / accepts EMS, sslp11-tls declines.
class NoEmsFlag : public ::testing::TestWithParam<TokenSpec> {};

TEST_P(NoEmsFlag, ClientDoesNotOfferIt) {
  ClientRun spec;
  spec.suite = "ECDHE-ECDSA-AES128-GCM-SHA256";
  spec.args = {"--no-ems"};
  const RunResult run = run_client(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  ASSERT_EQ(run.ours, 0) << run.describe();
  EXPECT_NE(run.ours_out.find("EMS not offered"), std::string::npos) << run.describe();
  EXPECT_NE(run.ours_out.find("extended master secret  off"), std::string::npos) << run.describe();
  EXPECT_NE(run.ours_out.find(reversed(spec.text)), std::string::npos) << run.describe();
}

TEST_P(NoEmsFlag, ServerDoesNotAgreeToIt) {
  ServerRun spec;
  spec.suites = "ECDHE-RSA-AES256-GCM-SHA384";
  spec.peer_cipher = spec.suites;
  spec.args = {"--no-ems"};
  const RunResult run = run_server(GetParam(), spec);
  ASSERT_TRUE(run.setup_error.empty()) << run.describe();
  ASSERT_EQ(run.ours, 0) << run.describe();
  EXPECT_NE(run.ours_out.find("EMS offered"), std::string::npos) << run.describe();
  EXPECT_NE(run.ours_out.find("extended master secret  off"), std::string::npos) << run.describe();
  EXPECT_NE(run.peer_out.find(spec.text), std::string::npos) << run.describe();
}

INSTANTIATE_TEST_SUITE_P(Tokens, NoEmsFlag, ::testing::ValuesIn(test::TestTokens::all()), test::TokenName{});

}  // namespace
}  // namespace sslp11::tlstest
