// Session resumption by session id (RFC 5246 §7.3), both roles, both tokens:
// the abbreviated handshake reuses the master key handle on the token and
// derives new session keys from the new randoms (SslGenerateSessionKeys).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tls/support/pki.h"
#include "tls/support/tls_runs.h"

namespace sslp11::tlstest {
namespace {

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class Resumption : public ::testing::TestWithParam<TokenSpec> {};

// sslp11-tls client --resume against s_server's default session cache.
TEST_P(Resumption, ClientResumesBySessionId) {
  for (bool ems : {true, false}) {
    SCOPED_TRACE(ems ? "EMS on" : "EMS off");
    ClientRun spec;
    spec.suite = "ECDHE-RSA-AES128-GCM-SHA256";
    spec.text = "resume me";
    spec.peer_ems = ems;
    spec.args = {"--resume"};
    const RunResult run = run_client(GetParam(), spec);
    ASSERT_TRUE(run.setup_error.empty()) << run.describe();
    ASSERT_EQ(run.ours, 0) << run.describe();
    EXPECT_NE(run.ours_out.find("-- connection 2 (resumed session)"), std::string::npos) << run.describe();
    EXPECT_NE(run.ours_out.find("handshake        abbreviated"), std::string::npos) << run.describe();
    EXPECT_EQ(count(run.ours_out, "the server finishes first when resuming"), 1u) << run.describe();
    // Data went both ways on both connections.
    EXPECT_EQ(count(run.ours_out, "\"" + reversed(spec.text) + "\\n\""), 2u) << run.describe();
    EXPECT_EQ(count(run.ours_out, std::string("extended master secret  ") + (ems ? "on" : "off")), 2u) << run.describe();
  }
}

// openssl s_client -sess_out, then -sess_in, against one sslp11-tls server.
TEST_P(Resumption, ServerResumesForSClient) {
  const TestPki& pki = test_pki();
  ServerUnderTest server(GetParam(), "ECDHE-RSA-AES128-GCM-SHA256", {}, /*once=*/false);
  const std::string session = pki.dir + "/session-" + GetParam().name + ".pem";
  std::filesystem::remove(session);
  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE(i == 0 ? "first connection" : "resumed connection");
    std::vector<std::string> args{"openssl", "s_client", "-tls1_2", "-connect",
                                  "127.0.0.1:" + std::to_string(server.port()), "-CAfile", pki.ca,
                                  "-verify_return_error", "-servername", "localhost", "-no_ign_eof"};
    args.insert(args.end(), {i == 0 ? "-sess_out" : "-sess_in", session});
    ChildProcess peer(args, {}, /*pipe_stdin=*/true);
    const std::string text = "line " + std::to_string(i);
    peer.write_stdin(text + "\n");
    EXPECT_TRUE(peer.wait_for("\n" + text + "\n", 20s)) << peer.describe() << server.process().describe();
    peer.close_stdin();
    EXPECT_EQ(peer.wait_exit(10s), 0) << peer.describe();
    if (i == 1) {
      EXPECT_NE(peer.out().find("Reused, TLSv1.2"), std::string::npos) << peer.describe();
    }
  }
  EXPECT_TRUE(server.process().wait_for("(resumed)", 10s)) << server.process().describe();
  EXPECT_TRUE(server.process().wait_for("handshake        abbreviated", 5s)) << server.process().describe();
}

INSTANTIATE_TEST_SUITE_P(Tokens, Resumption, ::testing::ValuesIn(test::TestTokens::all()), test::TokenName{});

}  // namespace
}  // namespace sslp11::tlstest
