#include "fuzz_token.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "abi/guard.h"

namespace sslp11::fuzz {

namespace {

namespace fs = std::filesystem;

constexpr const char* kSoftHsmModule = "/usr/lib/softhsm/libsofthsm2.so";
constexpr const char* kLabel = "sslp11-fuzz";
// Throwaway token in a private temp dir: the PIN protects nothing.
constexpr const char* kPin = "fuzz-user-pin";
constexpr const char* kSoPin = "fuzz-so-pin";

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "fuzz set-up failed: %s\n", what.c_str());
  std::abort();
}

fs::path g_dir;

void remove_dir() {
  std::error_code ec;
  if (!g_dir.empty() && std::getenv("SSLP11_KEEP_TEST_TOKENS") == nullptr) fs::remove_all(g_dir, ec);
}

// softhsm2-util without a shell: argv only, output discarded.
void run(const std::vector<std::string>& args) {
  const pid_t pid = ::fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::freopen("/dev/null", "w", stdout);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    die(args[0] + " " + args[1] + " failed");
  }
}

NCRYPT_PROV_HANDLE open_once() {
  char tmpl[] = "/tmp/sslp11-fuzz-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) die("mkdtemp");
  g_dir = tmpl;
  std::atexit(remove_dir);
  fs::create_directory(g_dir / "tokens");
  {
    std::ofstream conf(g_dir / "softhsm2.conf");
    conf << "directories.tokendir = " << (g_dir / "tokens").string() << "\n"
         << "objectstore.backend = file\nlog.level = ERROR\n";
  }
  ::setenv("SOFTHSM2_CONF", (g_dir / "softhsm2.conf").c_str(), 1);
  run({"softhsm2-util", "--init-token", "--free", "--label", kLabel, "--so-pin", kSoPin, "--pin", kPin});
  {
    std::ofstream conf(g_dir / "sslp11.conf");
    conf << "[provider]\nlog-level = error\n\n[token.fuzz]\nmodule = " << kSoftHsmModule << "\nlabel = " << kLabel
         << "\npin = env:SSLP11_FUZZ_PIN\npool-size = 4\n";
  }
  ::setenv("SSLP11_FUZZ_PIN", kPin, 1);
  ::setenv("SSLP11_CONF", (g_dir / "sslp11.conf").c_str(), 1);
  NCRYPT_PROV_HANDLE provider = 0;
  require_ok(SslOpenProvider(&provider, nullptr, 0), "SslOpenProvider");
  return provider;
}

}  // namespace

void require_ok(SECURITY_STATUS status, const char* what) {
  if (status != 0) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08X", static_cast<unsigned>(status));
    die(std::string(what) + " returned " + hex);
  }
}

void finding(const char* what, SECURITY_STATUS status) {
  std::fprintf(stderr, "FINDING: %s (status 0x%08X; sslp11 says: %s)\n", what, static_cast<unsigned>(status),
               abi::last_error_message().c_str());
  std::abort();
}

NCRYPT_PROV_HANDLE fuzz_provider() {
  static const NCRYPT_PROV_HANDLE provider = open_once();
  return provider;
}

}  // namespace sslp11::fuzz
