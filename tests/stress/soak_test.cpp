// A short soak of `sslp11-tls soak` (src/tls/soak.cpp) against OpenSSL 3.0's
// `openssl s_server -tls1_2 -rev` on loopback, per test token, so that the
// soak mode keeps working in CI (scripts/soak.sh runs the long one): 200
// connections, every 10th resumed, each echoing a line; no failure, and the
// token holds afterwards what it held before (the program's own account).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "support/provider_env.h"
#include "support/test_tokens.h"
#include "tls/support/pki.h"
#include "tls/support/process.h"

namespace sslp11::stresstest {
namespace {

using namespace std::chrono_literals;
using test::TestTokens;
using test::TokenName;
using test::TokenSpec;
using tlstest::ChildProcess;

constexpr int kHandshakes = 200;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Polls s_server's log for its ACCEPT line (at most 10 s).
bool listening(const std::string& log) {
  for (int i = 0; i < 100; ++i) {
    if (read_file(log).find("ACCEPT") != std::string::npos) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

class ShortSoak : public ::testing::TestWithParam<TokenSpec> {};

TEST_P(ShortSoak, TwoHundredHandshakesAgainstOpensslServer) {
  const tlstest::TestPki& pki = tlstest::test_pki();
  const std::string port = std::to_string(tlstest::free_port());
  // s_server narrates every connection; into a pipe nobody reads during the
  // soak it would fill the pipe and stall, so its output goes to a file.
  const std::string log = pki.dir + "/s_server-soak-" + GetParam().name + ".log";
  ChildProcess server({"sh", "-c",
                       "exec openssl s_server -tls1_2 -accept 127.0.0.1:" + port + " -cert '" + pki.rsa_cert +
                           "' -key '" + pki.rsa_key + "' -rev -cipher ECDHE-RSA-AES128-GCM-SHA256 >'" + log +
                           "' 2>&1"});
  ASSERT_TRUE(listening(log)) << server.describe() << read_file(log);
  ChildProcess soak({tlstest::tls_binary(), "soak", "--connect", "127.0.0.1:" + port, "--servername", "localhost",
                     "--cafile", pki.ca, "--suite", "ECDHE-RSA-AES128-GCM-SHA256", "--handshakes",
                     std::to_string(kHandshakes), "--resume-every", "10", "--seconds", "150", "--progress", "0"},
                    {"SSLP11_CONF=" + test::write_provider_config(GetParam())});
  const auto status = soak.wait_exit(170s);
  std::cout << soak.out();
  ASSERT_TRUE(status.has_value()) << "the soak did not finish: " << soak.describe();
  EXPECT_EQ(*status, 0) << soak.describe();
  const std::string done = "soak: " + std::to_string(kHandshakes) + " of " + std::to_string(kHandshakes) +
                           " handshakes (180 full, 20 resumed ok)";
  EXPECT_NE(soak.out().find(done), std::string::npos) << soak.describe();
  EXPECT_NE(soak.out().find("; failures 0\n"), std::string::npos) << soak.describe();
  EXPECT_EQ(soak.out().find("LEAK"), std::string::npos) << soak.describe();
}

INSTANTIATE_TEST_SUITE_P(Tokens, ShortSoak, ::testing::ValuesIn(TestTokens::all()), TokenName{});

}  // namespace
}  // namespace sslp11::stresstest
