#include "config/pin_source.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <future>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/config_error.h"
#include "test_helpers.h"

namespace sslp11::config {
namespace {

using test::EnvGuard;
using test::pin_text;
using test::TempDir;

const std::string kSecret = "S3cr3t-PIN-7431";

PinSource source(PinSource::Kind kind, std::string reference = {}) {
  PinSource s;
  s.kind = kind;
  s.reference = std::move(reference);
  s.file = "/etc/sslp11/sslp11.conf";
  s.line = 7;
  s.token = "hsm";
  return s;
}

// The ConfigError resolve_pin throws; checks it points at the pin key and
// never carries the secret.
ConfigError resolve_error(const PinSource& s, bool interactive = false) {
  try {
    resolve_pin(s, interactive);
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.file(), "/etc/sslp11/sslp11.conf");
    EXPECT_EQ(e.line(), 7);
    EXPECT_EQ(e.key(), "pin");
    EXPECT_EQ(std::string(e.what()).find(kSecret), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).rfind("/etc/sslp11/sslp11.conf:7: key 'pin' in [token.hsm]: ", 0), 0u)
        << e.what();
    return e;
  }
  ADD_FAILURE() << "no error";
  return ConfigError("", 0, "", "");
}

bool contains(const std::exception& e, const std::string& part) {
  return std::string(e.what()).find(part) != std::string::npos;
}

// --- parsing ------------------------------------------------------------------------

TEST(PinSourceParse, Kinds) {
  EXPECT_EQ(parse_pin_source("none").kind, PinSource::Kind::none);
  EXPECT_EQ(parse_pin_source("prompt").kind, PinSource::Kind::prompt);
  const PinSource env = parse_pin_source("env:SSLP11_PIN");
  EXPECT_EQ(env.kind, PinSource::Kind::env);
  EXPECT_EQ(env.reference, "SSLP11_PIN");
  const PinSource file = parse_pin_source("file:/run/secrets/pin");
  EXPECT_EQ(file.kind, PinSource::Kind::file);
  EXPECT_EQ(file.reference, "/run/secrets/pin");
  const PinSource value = parse_pin_source("value:" + kSecret);
  EXPECT_EQ(value.kind, PinSource::Kind::value);
  EXPECT_EQ(pin_text(value.value), kSecret);
  EXPECT_TRUE(value.reference.empty());
}

TEST(PinSourceParse, ErrorsNeverQuoteTheText) {
  const std::vector<std::string> bad_texts = {kSecret, "env:" + kSecret, "env:9" + kSecret, "file:" + kSecret,
                                              "value:",  "Prompt",         "env:A-B",         ""};
  for (const std::string& bad : bad_texts) {
    SCOPED_TRACE(bad);
    try {
      parse_pin_source(bad);
      ADD_FAILURE() << "accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()).find(kSecret), std::string::npos) << e.what();
    }
  }
}

TEST(PinSourceParse, DescribeHidesTheValue) {
  EXPECT_EQ(parse_pin_source("value:" + kSecret).describe(), "value:(hidden)");
  EXPECT_EQ(parse_pin_source("env:X").describe(), "env:X");
  EXPECT_EQ(parse_pin_source("file:/p").describe(), "file:/p");
  EXPECT_EQ(parse_pin_source("none").describe(), "none");
  EXPECT_EQ(parse_pin_source("prompt").describe(), "prompt");
}

TEST(PinSourceParse, CopyClonesThePin) {
  const PinSource a = parse_pin_source("value:" + kSecret);
  PinSource b;
  b = a;
  EXPECT_EQ(pin_text(b.value), kSecret);
  EXPECT_NE(a.value.bytes().data(), b.value.bytes().data());
}

// --- none, value ---------------------------------------------------------------------------

TEST(ResolvePin, NoneNeedsNoLogin) {
  const PinSource s = source(PinSource::Kind::none);
  EXPECT_FALSE(s.needs_login());
  EXPECT_TRUE(resolve_pin(s, false).empty());
}

TEST(ResolvePin, ValueIsCloned) {
  PinSource s = source(PinSource::Kind::value);
  s.value = p11::Pin(kSecret);
  EXPECT_TRUE(s.needs_login());
  EXPECT_EQ(pin_text(resolve_pin(s, false)), kSecret);
}

// --- env ------------------------------------------------------------------------------------

TEST(ResolvePin, EnvSet) {
  EnvGuard env;
  env.set("SSLP11_TEST_PIN", kSecret);
  EXPECT_EQ(pin_text(resolve_pin(source(PinSource::Kind::env, "SSLP11_TEST_PIN"), false)), kSecret);
}

TEST(ResolvePin, EnvUnsetNamesTheVariable) {
  EnvGuard env;
  env.unset("SSLP11_TEST_PIN");
  const ConfigError e = resolve_error(source(PinSource::Kind::env, "SSLP11_TEST_PIN"));
  EXPECT_STREQ(e.what(),
               "/etc/sslp11/sslp11.conf:7: key 'pin' in [token.hsm]: environment variable 'SSLP11_TEST_PIN' is not "
               "set");
}

TEST(ResolvePin, EnvEmpty) {
  EnvGuard env;
  env.set("SSLP11_TEST_PIN", "");
  EXPECT_TRUE(contains(resolve_error(source(PinSource::Kind::env, "SSLP11_TEST_PIN")), "'SSLP11_TEST_PIN' is empty"));
}

// --- file -----------------------------------------------------------------------------------

TEST(ResolvePin, FileMode0600Accepted) {
  TempDir dir;
  const auto path = dir.write("pin", kSecret + "\nsecond line ignored\n", 0600);
  EXPECT_EQ(pin_text(resolve_pin(source(PinSource::Kind::file, path.string()), false)), kSecret);
}

TEST(ResolvePin, FileWithoutNewlineOrWithCrlf) {
  TempDir dir;
  EXPECT_EQ(pin_text(read_pin_file(dir.write("a", kSecret, 0400).string())), kSecret);
  EXPECT_EQ(pin_text(read_pin_file(dir.write("b", kSecret + "\r\n", 0600).string())), kSecret);
  EXPECT_EQ(pin_text(read_pin_file(dir.write("c", "has spaces  \n", 0600).string())), "has spaces  ");
}

TEST(ResolvePin, FileMode0644Refused) {
  TempDir dir;
  const auto path = dir.write("pin", kSecret + "\n", 0644);
  const ConfigError e = resolve_error(source(PinSource::Kind::file, path.string()));
  EXPECT_TRUE(contains(e, "PIN file '" + path.string() + "' has mode 0644")) << e.what();
  EXPECT_TRUE(contains(e, "chmod 600 '" + path.string() + "'")) << e.what();
}

TEST(ResolvePin, FileAnyGroupOrOtherBitRefused) {
  TempDir dir;
  for (const mode_t mode : {0640, 0604, 0620, 0610, 0601, 0700 | 0001}) {
    SCOPED_TRACE(mode);
    const auto path = dir.write("pin", kSecret + "\n", mode);
    EXPECT_THROW(read_pin_file(path.string()), std::runtime_error);
  }
}

TEST(ResolvePin, FileNotRegularRefused) {
  TempDir dir;
  std::filesystem::create_directory(dir.path() / "d");
  ::chmod((dir.path() / "d").c_str(), 0700);
  EXPECT_TRUE(contains(resolve_error(source(PinSource::Kind::file, (dir.path() / "d").string())),
                       "is not a regular file"));
  // A FIFO must be refused without blocking in open().
  const auto fifo = dir.path() / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_TRUE(contains(resolve_error(source(PinSource::Kind::file, fifo.string())), "is not a regular file"));
}

TEST(ResolvePin, FileThroughSymlinkAccepted) {
  // Kubernetes secret volumes expose files as symlinks into ..data/.
  TempDir dir;
  const auto target = dir.write("..data/pin", kSecret + "\n", 0600);
  std::filesystem::create_symlink(target, dir.path() / "pin");
  EXPECT_EQ(pin_text(read_pin_file((dir.path() / "pin").string())), kSecret);
}

TEST(ResolvePin, FileMissingOrEmpty) {
  TempDir dir;
  EXPECT_TRUE(contains(resolve_error(source(PinSource::Kind::file, (dir.path() / "absent").string())),
                       "cannot open PIN file"));
  EXPECT_TRUE(contains(resolve_error(source(PinSource::Kind::file, dir.write("empty", "", 0600).string())),
                       "is empty"));
  EXPECT_TRUE(contains(resolve_error(source(PinSource::Kind::file, dir.write("nl", "\nx\n", 0600).string())),
                       "is empty"));
}

TEST(ResolvePin, FileFirstLineTooLong) {
  TempDir dir;
  const auto path = dir.write("long", std::string(5000, 'x') + "\n", 0600);
  EXPECT_TRUE(contains(resolve_error(source(PinSource::Kind::file, path.string())), "longer than 1024 bytes"));
}

// --- prompt ---------------------------------------------------------------------------------

TEST(ResolvePin, PromptRefusedWhenNotInteractive) {
  const ConfigError e = resolve_error(source(PinSource::Kind::prompt));
  EXPECT_TRUE(contains(e, "only sslp11-admin can do")) << e.what();
  EXPECT_TRUE(contains(e, "pin = env:NAME or pin = file:PATH")) << e.what();
}

TEST(ResolvePin, TerminalReadNeedsATerminal) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  EXPECT_THROW(read_pin_from_terminal(fds[0], "PIN: "), std::runtime_error);
  ::close(fds[0]);
  ::close(fds[1]);
}

// Reads what the "terminal" (pty slave side) wrote until `until` shows up or
// the timeout passes.
std::string read_master(int master, const std::string& until, std::chrono::milliseconds timeout) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.find(until) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buf[256];
    const ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

TEST(ResolvePin, TerminalReadsWithoutEchoAndRestoresTheTerminal) {
  int master = -1;
  int slave = -1;
  ASSERT_EQ(::openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
  termios before{};
  ASSERT_EQ(::tcgetattr(slave, &before), 0);
  ASSERT_NE(before.c_lflag & ECHO, 0u);

  auto pin = std::async(std::launch::async, [slave] { return pin_text(read_pin_from_terminal(slave, "PIN: ")); });
  // Echo is off once the prompt shows; type the PIN then.
  const std::string prompt = read_master(master, "PIN: ", std::chrono::seconds(10));
  ASSERT_NE(prompt.find("PIN: "), std::string::npos);
  const std::string typed = kSecret + "\n";
  ASSERT_EQ(::write(master, typed.data(), typed.size()), static_cast<ssize_t>(typed.size()));
  ASSERT_EQ(pin.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(pin.get(), kSecret);

  const std::string after = read_master(master, "\n", std::chrono::milliseconds(500));
  EXPECT_EQ(after.find(kSecret), std::string::npos) << "echoed: " << after;
  EXPECT_NE(after.find('\n'), std::string::npos) << "no newline after the hidden input";
  termios restored{};
  ASSERT_EQ(::tcgetattr(slave, &restored), 0);
  EXPECT_EQ(restored.c_lflag, before.c_lflag);
  ::close(master);
  ::close(slave);
}

TEST(ResolvePin, TerminalEmptyLineIsAnError) {
  int master = -1;
  int slave = -1;
  ASSERT_EQ(::openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
  auto result = std::async(std::launch::async, [slave] {
    try {
      read_pin_from_terminal(slave, "PIN: ");
      return std::string("accepted");
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
  });
  read_master(master, "PIN: ", std::chrono::seconds(10));
  ASSERT_EQ(::write(master, "\n", 1), 1);
  ASSERT_EQ(result.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(result.get(), "no PIN typed");
  ::close(master);
  ::close(slave);
}

volatile std::sig_atomic_t g_test_handler_saw = 0;
extern "C" void test_sigint_handler(int sig) { g_test_handler_saw = sig; }

// Ctrl-C at the prompt: the terminal gets its echo back, the caller's own
// SIGINT handler is put back and receives the signal, and no PIN comes out.
TEST(ResolvePin, TerminalInterruptRestoresAndReRaises) {
  int master = -1;
  int slave = -1;
  ASSERT_EQ(::openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
  termios before{};
  ASSERT_EQ(::tcgetattr(slave, &before), 0);
  struct sigaction mine {};
  mine.sa_handler = test_sigint_handler;
  sigemptyset(&mine.sa_mask);
  struct sigaction previous {};
  ASSERT_EQ(::sigaction(SIGINT, &mine, &previous), 0);
  g_test_handler_saw = 0;

  auto result = std::async(std::launch::async, [slave] {
    try {
      read_pin_from_terminal(slave, "PIN: ");
      return std::string("accepted");
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
  });
  read_master(master, "PIN: ", std::chrono::seconds(10));
  const std::string partial = kSecret.substr(0, 4);  // typed, no Enter yet
  ASSERT_EQ(::write(master, partial.data(), partial.size()), static_cast<ssize_t>(partial.size()));
  ::kill(::getpid(), SIGINT);  // process-directed: any thread may run the handler
  ASSERT_EQ(result.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(result.get(), "PIN entry interrupted");
  EXPECT_EQ(g_test_handler_saw, SIGINT);

  struct sigaction now {};
  ASSERT_EQ(::sigaction(SIGINT, &previous, &now), 0);
  EXPECT_EQ(now.sa_handler, &test_sigint_handler);
  termios restored{};
  ASSERT_EQ(::tcgetattr(slave, &restored), 0);
  EXPECT_EQ(restored.c_lflag, before.c_lflag);
  ::close(master);
  ::close(slave);
}

}  // namespace
}  // namespace sslp11::config
