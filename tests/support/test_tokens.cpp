// Throwaway PKCS#11 test tokens; see test_tokens.h.
//
// Facts checked on Debian 12 (bookworm, x86-64; softhsm2 2.6.1, libnss3 3.87.1):
//  * Module paths (dpkg -L): SoftHSM /usr/lib/softhsm/libsofthsm2.so (not
//    under the multiarch dir), NSS softoken
//    /usr/lib/x86_64-linux-gnu/libsoftokn3.so.
//  * `softhsm2-util --init-token --free ...` prints
//      "The token has been initialized and is reassigned to slot <decimal id>"
//    and the token's serial is 16 lower-case hex digits whose last 8 equal the
//    slot id in hex (e.g. slot 375734836 = 0x16654234, serial
//    db6a0c2996654234).  `softhsm2-util --show-slots` prints, per slot, a
//    "Slot <decimal id>" line at column 0 followed by indented
//    "Serial number:" and "Label:" lines (values blank-padded).
//  * NSS softoken initialised with kNssInitArgs (no database) exposes two
//    slots.  Slot 1: slot description "NSS Internal Cryptographic Services",
//    token label "NSS Generic Crypto Services", serial "0000000000000000",
//    model "NSS 3", manufacturer "Mozilla Foundation", token flags 0x603
//    (RNG | WRITE_PROTECTED | RESTORE_KEY_NOT_NEEDED | TOKEN_INITIALIZED; no
//    LOGIN_REQUIRED).  Despite WRITE_PROTECTED, an R/W session can create
//    session objects (CKA_TOKEN=false).  It supports CKM_TLS12_MASTER_KEY_DERIVE
//    (+_DH), CKM_TLS12_KEY_AND_MAC_DERIVE, CKM_TLS_MAC and CKM_ECDH1_DERIVE but
//    NOT the standard CKM_TLS_PRF (NSS has its own vendor PRF mechanisms).
//    Slot 2: description "NSS User Private Key and Certificate Services",
//    token label "NSS Certificate DB".
#include "test_tokens.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <ostream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>

extern "C" char** environ;

namespace sslp11::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kNssInitArgs =
    "configdir='' certPrefix='' keyPrefix='' secmod='' "
    "flags=noCertDB,noModDB,readOnly";
constexpr const char* kNssLabel = "NSS Generic Crypto Services";
constexpr const char* kNssSerial = "0000000000000000";
constexpr const char* kDefaultSoftHsmLabel = "sslp11-test";

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("sslp11 test tokens: " + what);
}

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

std::string_view trim(std::string_view s) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

std::string random_hex(std::size_t digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::string out;
  out.reserve(digits);
  while (out.size() < digits) {
    unsigned v = rd();
    for (int i = 0; i < 8 && out.size() < digits; ++i, v >>= 4) out.push_back(kHex[v & 0xFu]);
  }
  return out;
}

// Compile-time Debian multiarch triplet of the running code (what
// `dpkg-architecture -qDEB_HOST_MULTIARCH` would say for this build).
constexpr const char* multiarch_triplet() {
#if defined(__x86_64__) && defined(__ILP32__)
  return "x86_64-linux-gnux32";
#elif defined(__x86_64__)
  return "x86_64-linux-gnu";
#elif defined(__aarch64__)
  return "aarch64-linux-gnu";
#elif defined(__i386__)
  return "i386-linux-gnu";
#elif defined(__arm__) && defined(__ARM_PCS_VFP)
  return "arm-linux-gnueabihf";
#elif defined(__arm__)
  return "arm-linux-gnueabi";
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
  return "powerpc64le-linux-gnu";
#elif defined(__s390x__)
  return "s390x-linux-gnu";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64-linux-gnu";
#elif defined(__loongarch64)
  return "loongarch64-linux-gnu";
#else
  return "";
#endif
}

bool is_file(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);  // follows symlinks
}

// env override (must exist) or the first existing candidate.
std::string find_module(const char* env_var, const std::vector<std::string>& candidates,
                        const char* package) {
  if (const char* v = std::getenv(env_var); v != nullptr && *v != '\0') {
    if (!is_file(v)) fail(std::string(env_var) + "=" + v + " does not name an existing file");
    return fs::absolute(v).lexically_normal().string();
  }
  std::string tried;
  for (const auto& c : candidates) {
    if (is_file(c)) return c;
    tried += "\n  " + c;
  }
  fail(std::string("PKCS#11 module of Debian package ") + package + " not found; tried:" + tried +
       "\n(install it with scripts/install-deps.sh, or set " + env_var + ")");
}

std::string softhsm_module_path() {
  const std::string ma = multiarch_triplet();
  std::vector<std::string> c{"/usr/lib/softhsm/libsofthsm2.so"};
  if (!ma.empty()) c.push_back("/usr/lib/" + ma + "/softhsm/libsofthsm2.so");
  c.insert(c.end(), {"/usr/lib64/pkcs11/libsofthsm2.so", "/usr/lib64/softhsm/libsofthsm2.so",
                     "/usr/lib/pkcs11/libsofthsm2.so", "/usr/local/lib/softhsm/libsofthsm2.so"});
  return find_module("SSLP11_TEST_SOFTHSM_MODULE", c, "softhsm2");
}

std::string nss_module_path() {
  const std::string ma = multiarch_triplet();
  std::vector<std::string> c;
  if (!ma.empty()) {
    c.push_back("/usr/lib/" + ma + "/libsoftokn3.so");
    c.push_back("/usr/lib/" + ma + "/nss/libsoftokn3.so");
  }
  c.insert(c.end(), {"/usr/lib64/libsoftokn3.so", "/usr/lib/libsoftokn3.so",
                     "/usr/lib/nss/libsoftokn3.so"});
  return find_module("SSLP11_TEST_NSS_MODULE", c, "libnss3");
}

// ---------------------------------------------------------------------------
// Running external commands (fork + execve, no shell).

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Pipe(int rd, int wr) : r(rd), w(wr) {}
  Fd r, w;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) fail("pipe2: " + errno_text(errno));
  return Pipe(fds[0], fds[1]);  // guaranteed elision: Fd is not movable
}

struct CommandResult {
  int exit_code = -1;   // valid when signal == 0
  int signal = 0;
  std::string out, err;
};

// Human-readable command line with PIN arguments blanked out.
std::string describe(const std::vector<std::string>& argv) {
  std::string s;
  bool hide_next = false;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    if (hide_next) {
      s += "<redacted>";
    } else if (a.rfind("--pin=", 0) == 0 || a.rfind("--so-pin=", 0) == 0) {
      s += a.substr(0, a.find('=') + 1) + "<redacted>";
    } else {
      s += a;
    }
    hide_next = a == "--pin" || a == "--so-pin" || a == "--new-pin";
  }
  return s;
}

std::string redact(std::string text, const std::vector<std::string>& secrets) {
  constexpr std::string_view kRedacted = "<redacted>";
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    for (auto pos = text.find(secret); pos != std::string::npos;
         pos = text.find(secret, pos + kRedacted.size())) {
      text.replace(pos, secret.size(), kRedacted);
    }
  }
  return text;
}

std::string resolve_executable(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    if (::access(name.c_str(), X_OK) != 0) fail("cannot execute " + name + ": " + errno_text(errno));
    return name;
  }
  const char* path = std::getenv("PATH");
  std::string_view rest = (path != nullptr && *path != '\0') ? path : "/usr/local/bin:/usr/bin:/bin";
  std::string_view extra = ":/usr/sbin:/sbin";  // root-less PATHs sometimes lack these
  std::string all = std::string(rest) + std::string(extra);
  std::string_view sv = all;
  while (!sv.empty()) {
    const auto colon = sv.find(':');
    std::string dir(sv.substr(0, colon));
    sv = colon == std::string_view::npos ? std::string_view{} : sv.substr(colon + 1);
    if (dir.empty()) dir = ".";
    const std::string cand = dir + "/" + name;
    if (is_file(cand) && ::access(cand.c_str(), X_OK) == 0) return cand;
  }
  fail(name + " not found in PATH (install it with scripts/install-deps.sh)");
}

// Runs argv with the current environment plus/overridden by extra_env
// ("KEY=value" entries); captures stdout and stderr.  Throws only when the
// command cannot be started.
CommandResult run_command(const std::vector<std::string>& argv,
                          const std::vector<std::string>& extra_env) {
  if (argv.empty()) fail("run_command: empty argv");
  const std::string exe = resolve_executable(argv.front());

  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);

  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view kv(*e);
    bool overridden = false;
    for (const auto& x : extra_env) {
      const auto key_len = x.find('=') + 1;
      if (kv.substr(0, key_len) == std::string_view(x).substr(0, key_len)) overridden = true;
    }
    if (!overridden) env.emplace_back(kv);
  }
  env.insert(env.end(), extra_env.begin(), extra_env.end());
  std::vector<char*> cenv;
  for (auto& kv : env) cenv.push_back(kv.data());
  cenv.push_back(nullptr);

  Pipe out = make_pipe();
  Pipe err = make_pipe();
  Pipe exec_err = make_pipe();

  const pid_t pid = ::fork();
  if (pid < 0) fail("fork: " + errno_text(errno));
  if (pid == 0) {
    // Child: async-signal-safe calls only.
    const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::dup2(out.w.get(), STDOUT_FILENO);
    ::dup2(err.w.get(), STDERR_FILENO);
    ::execve(exe.c_str(), cargv.data(), cenv.data());
    const int e = errno;
    const ssize_t written = ::write(exec_err.w.get(), &e, sizeof e);
    static_cast<void>(written);
    ::_exit(127);
  }

  out.w.reset();
  err.w.reset();
  exec_err.w.reset();

  CommandResult res;
  std::array<pollfd, 2> fds{{{out.r.get(), POLLIN, 0}, {err.r.get(), POLLIN, 0}}};
  std::array<std::string*, 2> sinks{&res.out, &res.err};
  int open_fds = 2;
  std::array<char, 4096> buf{};
  while (open_fds > 0) {
    const int n = ::poll(fds.data(), fds.size(), -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t got = ::read(fds[i].fd, buf.data(), buf.size());
      if (got > 0) {
        sinks[i]->append(buf.data(), static_cast<std::size_t>(got));
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }

  int exec_errno = 0;
  ssize_t got;
  do {
    got = ::read(exec_err.r.get(), &exec_errno, sizeof exec_errno);
  } while (got < 0 && errno == EINTR);

  int status = 0;
  pid_t w;
  do {
    w = ::waitpid(pid, &status, 0);
  } while (w < 0 && errno == EINTR);

  if (got == static_cast<ssize_t>(sizeof exec_errno))
    fail("cannot execute " + exe + ": " + errno_text(exec_errno));
  if (w < 0) fail("waitpid for " + describe(argv) + ": " + errno_text(errno));
  if (WIFEXITED(status)) {
    res.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    res.signal = WTERMSIG(status);
  }
  return res;
}

// run_command and require exit status 0.
CommandResult check_command(const std::vector<std::string>& argv,
                            const std::vector<std::string>& extra_env,
                            const std::vector<std::string>& secrets) {
  CommandResult r = run_command(argv, extra_env);
  if (r.signal == 0 && r.exit_code == 0) return r;
  std::ostringstream msg;
  msg << "command `" << describe(argv) << "` ";
  if (r.signal != 0)
    msg << "was killed by signal " << r.signal;
  else
    msg << "failed with exit status " << r.exit_code;
  msg << "\n--- stderr ---\n" << redact(r.err, secrets) << "\n--- stdout ---\n"
      << redact(r.out, secrets);
  fail(msg.str());
}

// ---------------------------------------------------------------------------
// softhsm2-util output parsing.

struct ShownSlot {
  std::string id;
  std::string serial;
  std::string label;
};

std::vector<ShownSlot> parse_show_slots(const std::string& text) {
  std::vector<ShownSlot> slots;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Slot ", 0) == 0) {
      slots.push_back({std::string(trim(std::string_view(line).substr(5))), {}, {}});
      continue;
    }
    if (slots.empty()) continue;
    const std::string_view t = trim(line);
    constexpr std::string_view kSerial = "Serial number:";
    constexpr std::string_view kLabel = "Label:";
    if (t.substr(0, kSerial.size()) == kSerial)
      slots.back().serial = std::string(trim(t.substr(kSerial.size())));
    else if (t.substr(0, kLabel.size()) == kLabel)
      slots.back().label = std::string(trim(t.substr(kLabel.size())));
  }
  return slots;
}

// "... is reassigned to slot 375734836" -> "375734836" ("" if absent).
std::string reassigned_slot(const std::string& init_output) {
  constexpr std::string_view kMarker = "reassigned to slot ";
  const auto pos = init_output.find(kMarker);
  if (pos == std::string::npos) return {};
  std::string id;
  for (auto i = pos + kMarker.size(); i < init_output.size() && init_output[i] >= '0' &&
                                      init_output[i] <= '9';
       ++i)
    id.push_back(init_output[i]);
  return id;
}

// ---------------------------------------------------------------------------
// Per-process state.

bool keep_tokens() {
  const char* v = std::getenv("SSLP11_KEEP_TEST_TOKENS");
  return v != nullptr && std::string_view(v) == "1";
}

struct State {
  std::mutex mu;
  pid_t owner = -1;      // process that created dir (forked children never delete it)
  std::string dir;       // per-process temp dir
  std::string conf;      // dir/softhsm2.conf
  std::string util;      // softhsm2-util
  std::string softhsm_module;
  std::optional<TokenSpec> softhsm;
  std::optional<TokenSpec> nss;

  State() = default;
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  ~State() {
    if (dir.empty() || owner != ::getpid()) return;
    if (keep_tokens()) {
      std::fprintf(stderr, "sslp11: SSLP11_KEEP_TEST_TOKENS=1, keeping %s (SOFTHSM2_CONF=%s)\n",
                   dir.c_str(), conf.c_str());
      return;
    }
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

// Function-local static: its destructor removes the temp dir at exit.
State& state() {
  static State s;
  return s;
}

fs::path temp_base() {
  if (const char* t = std::getenv("TMPDIR"); t != nullptr && *t != '\0') {
    std::error_code ec;
    if (fs::is_directory(t, ec)) return fs::absolute(t).lexically_normal();
  }
  return "/tmp";
}

void ensure_dir_locked(State& st) {
  if (!st.dir.empty()) return;
  std::string tmpl =
      (temp_base() / ("sslp11-test-" + std::to_string(::getpid()) + "-XXXXXX")).string();
  if (tmpl.find('\n') != std::string::npos) fail("temp dir path contains a newline: " + tmpl);
  if (::mkdtemp(tmpl.data()) == nullptr) fail("mkdtemp(" + tmpl + "): " + errno_text(errno));
  st.owner = ::getpid();
  st.dir = tmpl;
}

void ensure_softhsm_env_locked(State& st) {
  if (!st.conf.empty()) return;
  // Look for the prerequisites first, so that a missing package (the usual
  // failure, which aborts a test binary when it happens while gtest registers
  // parameterised tests) leaves no temp dir behind.
  st.softhsm_module = softhsm_module_path();
  const char* util_override = std::getenv("SSLP11_TEST_SOFTHSM_UTIL");
  st.util = resolve_executable(util_override != nullptr && *util_override != '\0' ? util_override
                                                                                  : "softhsm2-util");
  ensure_dir_locked(st);
  const fs::path tokens = fs::path(st.dir) / "tokens";
  std::error_code ec;
  fs::create_directory(tokens, ec);
  if (ec) fail("cannot create " + tokens.string() + ": " + ec.message());
  fs::permissions(tokens, fs::perms::owner_all, fs::perm_options::replace, ec);

  const std::string conf = (fs::path(st.dir) / "softhsm2.conf").string();
  {
    std::ofstream f(conf, std::ios::out | std::ios::trunc);
    f << "# Throwaway SoftHSMv2 config written by sslp11 tests/support/test_tokens.cpp\n"
      << "directories.tokendir = " << tokens.string() << "\n"
      << "objectstore.backend = file\n"
      << "log.level = ERROR\n"
      << "slots.removable = false\n"
      << "slots.mechanisms = ALL\n"
      << "library.reset_on_fork = false\n";
    f.close();
    if (!f) fail("cannot write " + conf);
  }
  // Must be in the environment before the SoftHSM module's C_Initialize.
  if (::setenv("SOFTHSM2_CONF", conf.c_str(), 1) != 0)
    fail("setenv(SOFTHSM2_CONF): " + errno_text(errno));
  st.conf = conf;
}

TokenSpec init_softhsm_token_locked(State& st, const std::string& label) {
  if (label.empty() || label.size() > 32)
    fail("SoftHSM token label must be 1..32 bytes, got \"" + label + "\"");
  if (trim(label).size() != label.size() || label.find('\n') != std::string::npos)
    fail("SoftHSM token label must not start/end with blanks: \"" + label + "\"");
  ensure_softhsm_env_locked(st);

  TokenSpec spec;
  spec.name = "softhsm";
  spec.module_path = st.softhsm_module;
  spec.init_args = "";
  spec.label = label;
  spec.user_pin = "user-" + random_hex(8);
  spec.so_pin = "so-" + random_hex(8);
  spec.login_required = true;
  spec.expected_path = "composed";

  const std::vector<std::string> env{"SOFTHSM2_CONF=" + st.conf};
  const std::vector<std::string> secrets{spec.user_pin, spec.so_pin};
  const CommandResult init =
      check_command({st.util, "--init-token", "--free", "--label", label, "--so-pin", spec.so_pin,
                     "--pin", spec.user_pin},
                    env, secrets);
  const std::string slot_id = reassigned_slot(init.out);

  const CommandResult shown = check_command({st.util, "--show-slots"}, env, secrets);
  const auto slots = parse_show_slots(shown.out);
  const ShownSlot* found = nullptr;
  for (const auto& s : slots) {
    if (!slot_id.empty() ? s.id == slot_id : s.label == label) {
      if (found != nullptr) fail("several SoftHSM tokens labelled \"" + label + "\"");
      found = &s;
    }
  }
  if (found == nullptr || found->label != label || found->serial.empty()) {
    fail("token \"" + label + "\" (slot " + (slot_id.empty() ? "?" : slot_id) +
         ") not found in `softhsm2-util --show-slots` output:\n" + redact(shown.out, secrets));
  }
  spec.serial = found->serial;
  return spec;
}

}  // namespace

const TokenSpec& TestTokens::softhsm() {
  State& st = state();
  std::lock_guard lock(st.mu);
  if (!st.softhsm) st.softhsm = init_softhsm_token_locked(st, kDefaultSoftHsmLabel);
  return *st.softhsm;
}

const TokenSpec& TestTokens::nss() {
  State& st = state();
  std::lock_guard lock(st.mu);
  if (!st.nss) {
    TokenSpec spec;
    spec.name = "nss";
    spec.module_path = nss_module_path();
    spec.init_args = kNssInitArgs;
    spec.label = kNssLabel;    // token label of slot 1 (slot description differs, see top)
    spec.serial = kNssSerial;  // NSS softoken reports sixteen '0'
    spec.login_required = false;
    spec.expected_path = "native";
    st.nss = std::move(spec);
  }
  return *st.nss;
}

std::vector<TokenSpec> TestTokens::all() { return {softhsm(), nss()}; }

TokenSpec TestTokens::create_softhsm_token(const std::string& label) {
  State& st = state();
  std::lock_guard lock(st.mu);
  return init_softhsm_token_locked(st, label);
}

std::vector<TokenSpec> TestTokens::where(bool (*applies)(const TokenSpec&)) {
  std::vector<TokenSpec> out;
  for (const auto& t : all())
    if (applies(t)) out.push_back(t);
  return out;
}

const std::string& TestTokens::temp_dir() {
  State& st = state();
  std::lock_guard lock(st.mu);
  ensure_dir_locked(st);
  return st.dir;
}

std::string TokenName::operator()(const ::testing::TestParamInfo<TokenSpec>& info) const {
  std::string n = info.param.name;
  for (char& c : n) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!ok) c = '_';
  }
  return n.empty() ? "token" + std::to_string(info.index) : n;
}

std::ostream& operator<<(std::ostream& os, const TokenSpec& spec) {
  return os << "TokenSpec{name=" << spec.name << ", module=" << spec.module_path << ", label=\""
            << spec.label << "\", serial=" << spec.serial << ", path=" << spec.expected_path
            << ", login_required=" << (spec.login_required ? "true" : "false") << "}";
}

}  // namespace sslp11::test
