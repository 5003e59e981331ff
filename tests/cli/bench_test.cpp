// `sslp11-admin bench` while it runs: the progress line it shows only on a
// terminal (run under a pseudo-terminal from forkpty, and with pipes), and
// Ctrl-C (SIGINT from the test) ending it with the partial figures and exit
// 130. A configured SoftHSMv2 token, short --seconds.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "cli/support/admin_runner.h"

namespace sslp11::test {
namespace {

using boost::property_tree::ptree;

std::vector<char*> argv_of(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

// In the child: the environment additions, then the admin binary.
[[noreturn]] void exec_admin(std::vector<std::string> args, const std::vector<std::string>& env) {
  for (const auto& e : env) {
    const auto eq = e.find('=');
    ::setenv(e.substr(0, eq).c_str(), e.substr(eq + 1).c_str(), 1);
  }
  args.insert(args.begin(), SSLP11_ADMIN_BINARY);
  auto argv = argv_of(args);
  ::execv(argv[0], argv.data());
  ::_exit(127);
}

int wait_exit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

struct Interrupted {
  int exit_code = -1;
  std::string out, err;
};

// Runs bench with stdout and stderr in files and sends SIGINT after `after`.
Interrupted interrupt_bench(const std::vector<std::string>& args, const std::vector<std::string>& env,
                            std::chrono::milliseconds after) {
  static int n = 0;
  const std::string out = write_test_file("bench-out-" + std::to_string(++n), "");
  const std::string err = write_test_file("bench-err-" + std::to_string(n), "");
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int o = ::open(out.c_str(), O_WRONLY | O_TRUNC), e = ::open(err.c_str(), O_WRONLY | O_TRUNC);
    const int in = ::open("/dev/null", O_RDONLY);
    if (o < 0 || e < 0 || in < 0) ::_exit(127);
    ::dup2(in, 0);
    ::dup2(o, 1);
    ::dup2(e, 2);
    exec_admin(args, env);
  }
  std::this_thread::sleep_for(after);
  ::kill(pid, SIGINT);
  Interrupted r;
  r.exit_code = wait_exit(pid);
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

class Bench : public ::testing::Test {
 protected:
  // One label per test: the tokens of earlier tests in this process remain.
  Bench() : token_(next_label()), conf_(token_.write_config("bench")) {}
  static std::string next_label() {
    static int n = 0;
    return "cli-bench-run-" + std::to_string(++n);
  }
  AdminToken token_;
  std::string conf_;
};

TEST_F(Bench, CtrlCPrintsThePartialFiguresAndExits130) {
  const auto r = interrupt_bench({"bench", "--seconds", "5", "--config", conf_}, token_.env(),
                                 std::chrono::milliseconds(1500));
  EXPECT_EQ(r.exit_code, 130) << r.out << r.err;
  EXPECT_NE(r.out.find("session keys: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("interrupted"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("records: not measured (interrupted)"), std::string::npos) << r.out;
  EXPECT_EQ(line_count(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("sslp11-admin bench: interrupted by Ctrl-C"), std::string::npos) << r.err;
}

TEST_F(Bench, CtrlCWithJsonMarksTheRunInterrupted) {
  const auto r = interrupt_bench({"bench", "--seconds", "5", "--json", "--config", conf_}, token_.env(),
                                 std::chrono::milliseconds(1500));
  EXPECT_EQ(r.exit_code, 130) << r.out << r.err;
  AdminResult as_result;
  as_result.out = r.out;
  const ptree tree = parse_json(as_result);
  EXPECT_TRUE(tree.get<bool>("interrupted"));
  EXPECT_TRUE(tree.get<bool>("session_keys.interrupted"));
  // (Not > 0: a loaded machine may still be setting up after 1.5 s.)
  EXPECT_GE(tree.get<double>("session_keys.operations"), 0) << r.out;
  EXPECT_FALSE(tree.get_child_optional("records")) << "records were never measured: " << r.out;
}

TEST_F(Bench, ProgressLineOnATerminalOnly) {
  const auto on_terminal = run_admin_on_terminal({"bench", "--seconds", "0.3", "--config", conf_}, token_.env(), {});
  const std::string& shown = on_terminal.out;
  EXPECT_EQ(on_terminal.exit_code, 0) << shown;
  for (const char* what : {"\rbench: session keys ", "\rbench: record encrypt ", "\rbench: record round trip "})
    EXPECT_NE(shown.find(what), std::string::npos) << what << " in " << shown;
  EXPECT_NE(shown.find(" s elapsed, "), std::string::npos) << shown;
  EXPECT_NE(shown.find(" s left, "), std::string::npos) << shown;

  const auto piped = run_admin({"bench", "--seconds", "0.1", "--config", conf_}, token_.env());
  EXPECT_EQ(piped.exit_code, 0) << describe(piped);
  EXPECT_EQ(piped.err.find("bench:"), std::string::npos) << piped.err;
  EXPECT_EQ(piped.err.find('\r'), std::string::npos) << piped.err;
  EXPECT_EQ(piped.out.find('\r'), std::string::npos) << piped.out;
}

TEST_F(Bench, CurveOption) {
  const auto r = run_admin({"bench", "--seconds", "0.1", "--curve", "P-384", "--json", "--config", conf_},
                           token_.env());
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const ptree tree = parse_json(r);
  EXPECT_EQ(tree.get<std::string>("curve"), "P-384");
  EXPECT_FALSE(tree.get<bool>("interrupted"));
  EXPECT_GT(tree.get<double>("session_keys.operations"), 0) << r.out;
  const auto bad = run_admin({"bench", "--curve", "P-999", "--config", conf_}, token_.env());
  EXPECT_EQ(bad.exit_code, 2) << describe(bad);
  EXPECT_NE(bad.err.find("--curve must be P-256, P-384 or P-521"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace sslp11::test
