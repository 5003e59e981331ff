#include "faults/support/fault_kit.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>

#include <sslp11/winerror.h>

#include "abi/guard.h"
#include "support/provider_env.h"

namespace sslp11::faults {

namespace {

template <class F>
F shim_symbol(const char* name) {
  // The provider loaded the shim already; this finds that same instance.
  void* dl = dlopen(SSLP11_FAULT_SHIM_PATH, RTLD_NOW | RTLD_NOLOAD);
  if (dl == nullptr) throw std::logic_error("the fault shim is not loaded yet (open a provider on it first)");
  auto f = reinterpret_cast<F>(dlsym(dl, name));
  dlclose(dl);  // drops only the reference taken here
  if (f == nullptr) throw std::logic_error(std::string("the fault shim has no ") + name);
  return f;
}

void must(SECURITY_STATUS s, const char* call, Handshake& h) {
  if (s != 0 && h.status == 0) {
    h.status = s;
    h.failed_call = call;
    h.why = test::last_error();
  }
}

bool connectable(const std::string& path) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

}  // namespace

std::string shim_path() { return SSLP11_FAULT_SHIM_PATH; }

test::TokenSpec through_shim(const test::TokenSpec& real) {
  setenv("SSLP11_FAULT_MODULE", real.module_path.c_str(), 1);
  test::TokenSpec s = real;
  s.module_path = shim_path();
  return s;
}

void inject(const char* function, CK_RV rv, unsigned long after, unsigned long times) {
  using Set = int (*)(const char*, CK_RV, unsigned long, unsigned long);
  if (shim_symbol<Set>("sslp11_fault_set")(function, rv, after, times) != 0) {
    throw std::logic_error(std::string("the shim does not know ") + function);
  }
}

void clear_faults() { shim_symbol<void (*)()>("sslp11_fault_clear")(); }

unsigned long calls(const char* function) {
  void* dl = dlopen(SSLP11_FAULT_SHIM_PATH, RTLD_NOW | RTLD_NOLOAD);
  if (dl == nullptr) return 0;  // not loaded yet: nothing called
  dlclose(dl);
  return shim_symbol<unsigned long (*)(const char*)>("sslp11_fault_calls")(function);
}

std::string status_name(SECURITY_STATUS s) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08x", static_cast<unsigned>(s));
  const std::string_view name = abi::status_name(s);
  return name.empty() ? std::string(hex) : std::string(name) + " (" + hex + ")";
}

Handshake handshake(NCRYPT_PROV_HANDLE p, bool keep_write_key) {
  Handshake h;
  NCRYPT_KEY_HANDLE ours = 0, theirs = 0, peer = 0, master = 0, rd = 0, wr = 0;
  const DWORD suite = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
  must(SslCreateEphemeralKey(p, &ours, TLS1_2_PROTOCOL_VERSION, suite, TLS_ECC_P256_CURVE_KEY_TYPE, 256, nullptr, 0, 0),
       "SslCreateEphemeralKey", h);
  if (h.status == 0) {
    must(SslCreateEphemeralKey(p, &theirs, TLS1_2_PROTOCOL_VERSION, suite, TLS_ECC_P256_CURVE_KEY_TYPE, 256, nullptr,
                               0, 0),
         "SslCreateEphemeralKey (peer)", h);
  }
  std::vector<std::uint8_t> blob(200);
  DWORD n = 0;
  if (h.status == 0) {
    must(SslExportKey(p, theirs, BCRYPT_ECCPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), &n, 0),
         "SslExportKey", h);
  }
  if (h.status == 0) must(SslImportKey(p, &peer, BCRYPT_ECCPUBLIC_BLOB, blob.data(), n, 0), "SslImportKey", h);
  std::uint8_t client_random[32] = {1}, server_random[32] = {2};
  NCryptBuffer buffers[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, client_random},
                             {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, server_random}};
  NCryptBufferDesc params{NCRYPTBUFFER_VERSION, 2, buffers};
  if (h.status == 0) {
    must(SslGenerateMasterKey(p, ours, peer, &master, TLS1_2_PROTOCOL_VERSION, suite, &params, nullptr, 0, &n,
                              NCRYPT_SSL_CLIENT_FLAG),
         "SslGenerateMasterKey", h);
  }
  if (h.status == 0) must(SslGenerateSessionKeys(p, master, &rd, &wr, &params, 0), "SslGenerateSessionKeys", h);
  if (h.status == 0) must(encrypt_one(p, wr, 0), "SslEncryptPacket", h);
  for (NCRYPT_KEY_HANDLE k : {ours, theirs, peer, master, rd})
    if (k != 0) SslFreeObject(k, 0);
  if (keep_write_key && h.status == 0) {
    h.write_key = wr;
  } else if (wr != 0) {
    SslFreeObject(wr, 0);
  }
  return h;
}

SECURITY_STATUS encrypt_one(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE write_key, std::uint64_t seq) {
  std::uint8_t plain[64] = {0x42};
  std::uint8_t record[256];
  DWORD n = 0;
  return SslEncryptPacket(p, write_key, plain, sizeof plain, record, sizeof record, &n, seq, CT_APPLICATIONDATA, 0);
}

// ---- RemoteToken ----

std::string p11_kit_client_module() { return "/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so"; }

RemoteToken::RemoteToken(const std::string& label) {
  served_ = test::TestTokens::create_softhsm_token(label);
  static int counter = 0;
  const std::string base = test::TestTokens::temp_dir() + "/p11kit-" + std::to_string(++counter);
  socket_ = base + ".sock";
  log_ = base + ".log";
  client_ = served_;
  client_.name = "remote";
  client_.module_path = p11_kit_client_module();
  client_.init_args.clear();
  setenv("P11_KIT_SERVER_ADDRESS", ("unix:path=" + socket_).c_str(), 1);
  start();
}

RemoteToken::~RemoteToken() {
  if (running()) kill();
}

void RemoteToken::start() {
  unlink(socket_.c_str());
  const std::string softhsm_conf = test::TestTokens::temp_dir() + "/softhsm2.conf";
  const char* conf = std::getenv("SOFTHSM2_CONF");
  const std::string server_conf = conf != nullptr ? conf : softhsm_conf;
  const std::string uri = "pkcs11:token=" + served_.label;
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // Its own process group, so kill() takes the per-connection children too;
    // and gone with the test process if that dies first (a crash, an abort).
    setsid();
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    setenv("SOFTHSM2_CONF", server_conf.c_str(), 1);
    execlp("p11-kit", "p11-kit", "server", "-f", "--provider", served_.module_path.c_str(), "-n", socket_.c_str(),
           uri.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int i = 0; i < 400; ++i) {  // up to ~20 s on a loaded machine
    if (connectable(socket_)) return;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("p11-kit server exited at start; see " + log_);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("p11-kit server did not open " + socket_ + "; see " + log_);
}

void RemoteToken::kill() {
  if (pid_ <= 0) return;
  ::kill(-pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  unlink(socket_.c_str());
}

}  // namespace sslp11::faults
