// The provider's logger (src/log/logger.h) and what the provider writes to
// it: line format, level filtering, no formatting when a level is off, the
// rule when several configs (and the environment) disagree, whole lines from
// many threads, and through the Ssl* API: failing calls, config warnings and
// the [provider] log settings. Never logs a PIN: the config-warning case
// checks the log for the PIN it wrote in the file.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <sslp11/sslprovider.h>

#include "core/support/key_checks.h"
#include "log/logger.h"
#include "pkcs11/session_pool.h"
#include "support/provider_env.h"
#include "support/test_tokens.h"

namespace sslp11 {
namespace {

using test::TestTokens;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

class Logger : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("SSLP11_LOG_LEVEL");
    unsetenv("SSLP11_LOG_DESTINATION");
    log::reset_for_tests();
  }
  void TearDown() override { SetUp(); }

  // A fresh file path in the per-process test directory.
  static std::string path(const std::string& name) {
    const std::string p = TestTokens::temp_dir() + "/logger-" + name + ".log";
    std::filesystem::remove(p);
    return p;
  }
  static void use_env(const char* level, const std::string& destination) {
    setenv("SSLP11_LOG_LEVEL", level, 1);
    setenv("SSLP11_LOG_DESTINATION", destination.c_str(), 1);
    log::reset_for_tests();
  }
};

const std::regex kLine(
    R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z sslp11\[\d+\] (error|warning|info|debug) tid=\d+ [a-z]+: .*$)");

TEST_F(Logger, OneLinePerEventWithTimestampLevelThreadAndComponent) {
  const std::string file = path("format");
  use_env("info", "file:" + file);
  log::info("pool", "session ", 7, " opened, handle ", log::hex(0xabc));
  log::warning("module", "line one\nline two");
  const auto lines = lines_of(read_file(file));
  ASSERT_EQ(lines.size(), 2u) << read_file(file);
  for (const auto& l : lines) EXPECT_TRUE(std::regex_match(l, kLine)) << l;
  EXPECT_NE(lines[0].find(" info tid=" + std::to_string(::gettid()) + " pool: session 7 opened, handle 0xABC"),
            std::string::npos)
      << lines[0];
  EXPECT_NE(lines[1].find("module: line one line two"), std::string::npos) << lines[1];
}

TEST_F(Logger, LevelFiltersAndTheFileIsPrivate) {
  const std::string file = path("levels");
  use_env("warn", "file:" + file);
  EXPECT_EQ(log::current_level(), log::Level::warning);
  log::debug("t", "debug line");
  log::info("t", "info line");
  log::warning("t", "warning line");
  log::error("t", "error line");
  const std::string text = read_file(file);
  EXPECT_EQ(text.find("debug line"), std::string::npos);
  EXPECT_EQ(text.find("info line"), std::string::npos);
  EXPECT_NE(text.find("warning line"), std::string::npos);
  EXPECT_NE(text.find("error line"), std::string::npos);
  struct stat st {};
  ASSERT_EQ(stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// The parts of a line that is off are never converted or concatenated.
TEST_F(Logger, NoFormattingWhenTheLevelIsOff) {
  use_env("error", "file:" + path("off"));
  struct Probe {
    int* conversions;
    operator std::string_view() const {
      ++*conversions;
      return "probe";
    }
  };
  int conversions = 0;
  log::debug("t", Probe{&conversions});
  log::info("t", Probe{&conversions});
  EXPECT_EQ(conversions, 0);
  log::error("t", Probe{&conversions});
  EXPECT_EQ(conversions, 1);
}

// Several configs in one process: the most verbose level wins, the first
// destination stays (the later one is reported), a quieter config later
// does not lower the level.
TEST_F(Logger, SeveralConfigsMostVerboseLevelFirstDestination) {
  const std::string first = path("first"), second = path("second");
  log::configure_from_config(log::Level::warning, "file:" + first, "a.conf");
  EXPECT_EQ(log::current_level(), log::Level::warning);
  log::configure_from_config(log::Level::debug, "file:" + second, "b.conf");
  EXPECT_EQ(log::current_level(), log::Level::debug);
  EXPECT_EQ(log::current_destination(), "file:" + first);
  log::configure_from_config(log::Level::error, "file:" + first, "c.conf");
  EXPECT_EQ(log::current_level(), log::Level::debug);
  log::debug("t", "after three configs");
  const std::string text = read_file(first);
  EXPECT_NE(text.find("log-destination 'file:" + second + "' of b.conf ignored"), std::string::npos) << text;
  EXPECT_NE(text.find("after three configs"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(second));
}

TEST_F(Logger, EnvironmentOverridesEveryConfig) {
  const std::string env_file = path("env"), config_file = path("config");
  use_env("error", "file:" + env_file);
  log::configure_from_config(log::Level::debug, "file:" + config_file, "a.conf");
  EXPECT_EQ(log::current_level(), log::Level::error);
  EXPECT_EQ(log::current_destination(), "file:" + env_file);
  log::warning("t", "not at error level");
  log::error("t", "at error level");
  EXPECT_EQ(read_file(env_file).find("not at error level"), std::string::npos);
  EXPECT_NE(read_file(env_file).find("at error level"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(config_file));
}

TEST_F(Logger, InvalidEnvironmentIsIgnoredWithAWarning) {
  const std::string file = path("invalid");
  use_env("loud", "file:" + file);
  EXPECT_EQ(log::current_level(), log::Level::warning);
  EXPECT_NE(read_file(file).find("ignoring SSLP11_LOG_LEVEL"), std::string::npos);
  EXPECT_TRUE(log::parse_level("warn") && log::parse_level("warning") && log::parse_level("debug"));
  EXPECT_FALSE(log::parse_level("verbose"));
  EXPECT_TRUE(log::valid_destination("syslog"));
  EXPECT_FALSE(log::valid_destination("file:relative"));
}

// Before any config: warn, to stderr. A destination that cannot be used, from
// the environment or a config, leaves stderr and says so there.
TEST_F(Logger, UnusableDestinationsFallBackToStderrWithAWarning) {
  EXPECT_EQ(log::current_level(), log::Level::warning);
  EXPECT_EQ(log::current_destination(), "stderr");
  testing::internal::CaptureStderr();
  use_env("warn", "file:relative.log");
  log::warning("t", "after an invalid SSLP11_LOG_DESTINATION");
  unsetenv("SSLP11_LOG_LEVEL");
  unsetenv("SSLP11_LOG_DESTINATION");
  log::reset_for_tests();
  log::configure_from_config(log::Level::warning, "file:/nonexistent-sslp11-dir/sslp11.log", "a.conf");
  log::warning("t", "after an unusable file destination");
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("ignoring SSLP11_LOG_DESTINATION 'file:relative.log'"), std::string::npos) << err;
  EXPECT_NE(err.find("after an invalid SSLP11_LOG_DESTINATION"), std::string::npos) << err;
  EXPECT_NE(err.find("cannot log to 'file:/nonexistent-sslp11-dir/sslp11.log' (from a.conf); logging to stderr"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("after an unusable file destination"), std::string::npos) << err;
}

TEST_F(Logger, SyslogDestination) {
  log::configure_from_config(log::Level::info, "syslog", "a.conf");
  EXPECT_EQ(log::current_destination(), "syslog");
  log::info("t", "sslp11 logger test line (syslog)");  // must not crash without a syslog daemon
}

// Many threads, one file: every line whole and well-formed, none lost.
TEST_F(Logger, ThreadsWriteWholeLines) {
  const std::string file = path("threads");
  use_env("debug", "file:" + file);
  constexpr int kThreads = 8, kLines = 300;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < kLines; ++i) log::debug("thread", "worker ", t, " line ", i, " ", std::string(40, 'x'));
    });
  }
  for (auto& t : threads) t.join();
  const auto lines = lines_of(read_file(file));
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kLines));
  for (const auto& l : lines) ASSERT_TRUE(std::regex_match(l, kLine)) << l;
}

// ---- Through the Ssl* API ----

class ProviderLogging : public Logger {};

TEST_F(ProviderLogging, FailingCallsAreLoggedOnceWithStatusAndReason) {
  const std::string file = path("abi");
  use_env("info", "file:" + file);
  EXPECT_EQ(SslFreeObject(0x5eed, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslOpenProvider(nullptr, nullptr, 0), NTE_INVALID_PARAMETER);
  const std::string text = read_file(file);
  EXPECT_NE(text.find(" info tid="), std::string::npos);
  EXPECT_NE(text.find("abi: SslFreeObject(hObject=0x5EED, dwFlags=0x0) -> 0x80090026 NTE_INVALID_HANDLE: not a live sslp11 handle"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("abi: SslOpenProvider(dwFlags=0x0) -> 0x80090027 NTE_INVALID_PARAMETER: phSslProvider is NULL"),
            std::string::npos)
      << text;
  EXPECT_EQ(lines_of(text).size(), 2u) << text;
}

// At the default level a refused call is left to the caller to report (one
// line per error in sslp11-admin): nothing is written.
TEST_F(ProviderLogging, RefusedCallsAreQuietAtTheDefaultLevel) {
  const std::string file = path("quiet");
  use_env("warn", "file:" + file);
  EXPECT_EQ(SslFreeObject(0x5eed, 0), NTE_INVALID_HANDLE);
  EXPECT_EQ(SslOpenProvider(nullptr, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(read_file(file), "");
}

// The [provider] settings of the config drive the logger, its warnings are
// printed once per file, and the PIN written in the file is not among them.
TEST_F(ProviderLogging, ConfigSettingsAndWarningsWithoutThePin) {
  const auto& spec = TestTokens::softhsm();
  const std::string file = path("config");
  const std::string conf = TestTokens::temp_dir() + "/logger-test.conf";
  {
    std::ofstream out(conf, std::ios::trunc);
    out << "[provider]\nlog-level = debug\nlog-destination = file:" << file
        << "\nallow-insecure-pin-in-file = true\n[token.t]\nmodule = " << spec.module_path
        << "\nlabel = " << spec.label << "\npin = value:" << spec.user_pin << "\n";
  }
  ASSERT_EQ(chmod(conf.c_str(), 0600), 0);
  setenv("SSLP11_CONF", conf.c_str(), 1);
  NCRYPT_PROV_HANDLE a = 0, b = 0;
  ASSERT_EQ(SslOpenProvider(&a, nullptr, 0), ERROR_SUCCESS) << test::last_error();
  ASSERT_EQ(SslOpenProvider(&b, nullptr, 0), ERROR_SUCCESS) << test::last_error();
  EXPECT_EQ(SslFreeObject(b, 0), ERROR_SUCCESS);
  EXPECT_EQ(SslFreeObject(a, 0), ERROR_SUCCESS);
  EXPECT_EQ(log::current_level(), log::Level::debug);
  const std::string text = read_file(file);
  const std::string warning = "config: " + conf + ":";
  const auto first = text.find(warning);
  ASSERT_NE(first, std::string::npos) << text;
  EXPECT_EQ(text.find(warning, first + 1), std::string::npos) << "the warning is printed once per file";
  EXPECT_NE(text.find("the PIN is written in the configuration file"), std::string::npos);
  EXPECT_NE(text.find("provider: opened [token.t] of " + conf), std::string::npos) << text;
  EXPECT_NE(text.find("derivation composed"), std::string::npos) << text;
  EXPECT_NE(text.find("is already open: sharing its sessions"), std::string::npos) << text;
  EXPECT_NE(text.find("abi: SslOpenProvider(dwFlags=0x0) -> 0x00000000 ERROR_SUCCESS"), std::string::npos) << text;
  EXPECT_EQ(text.find(spec.user_pin), std::string::npos) << "the PIN is in the log";
}

// Pool events: a session opened (debug), and one found dead (info) - here
// closed behind the pool's back, as a token restart would - replaced without
// the caller noticing.
TEST_F(ProviderLogging, PoolEventsAreLogged) {
  const std::string file = path("pool");
  use_env("debug", "file:" + file);
  test::ProviderHandle provider(TestTokens::softhsm(), "", "pool-events");
  ASSERT_EQ(provider.open_status(), ERROR_SUCCESS);
  auto pool = coretest::pool_of(provider.get());
  CK_SESSION_HANDLE closed = CK_INVALID_HANDLE;
  pool->run([&](p11::Lease& lease) {
    closed = lease.handle();
    lease.api().C_CloseSession(lease.handle());
  });
  // The next lease gets the dead session first; the pool must notice, log it
  // and carry on with a fresh one.
  pool->run([&](p11::Lease& lease) { lease.api().C_GetSessionInfo(lease.handle()); });
  const std::string text = read_file(file);
  const std::regex opened(R"(debug tid=\d+ pool: token 'sslp11-test': session 0x[0-9A-F]+ opened$)");
  std::size_t sessions_opened = 0;
  for (const auto& l : lines_of(text)) sessions_opened += std::regex_search(l, opened) ? 1 : 0;
  EXPECT_GE(sessions_opened, 2u) << "the first session and the replacement of the lost one:\n" << text;
  char dead[64];
  std::snprintf(dead, sizeof dead, "session 0x%lX lost (CKR_SESSION_HANDLE_INVALID", closed);
  EXPECT_NE(text.find(dead), std::string::npos) << text;
}

}  // namespace
}  // namespace sslp11
