// Self-test of the throwaway PKCS#11 test tokens (tests/support/test_tokens.*).
// Talks to the modules directly through dlopen + C_GetFunctionList.
#include "test_tokens.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <p11-kit/pkcs11.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

extern "C" char** environ;

namespace sslp11::test {
namespace {

namespace fs = std::filesystem;

std::string rv_hex(CK_RV rv) {
  std::ostringstream s;
  s << "0x" << std::hex << rv;
  return s.str();
}

// Blank-padded PKCS#11 string field -> std::string without trailing blanks.
template <std::size_t N>
std::string field(const unsigned char (&f)[N]) {
  std::size_t n = N;
  while (n > 0 && (f[n - 1] == ' ' || f[n - 1] == '\0')) --n;
  return std::string(reinterpret_cast<const char*>(f), n);
}

struct SlotView {
  CK_SLOT_ID id = 0;
  std::string description;
  std::string label;
  std::string serial;
  CK_FLAGS token_flags = 0;
};

// dlopen()s a module and C_Initialize()s it (CKF_OS_LOCKING_OK, pReserved from
// the spec); C_Finalize() on destruction.  The library is deliberately never
// dlclose()d: neither NSS (NSPR) nor SoftHSM (OpenSSL) unloads cleanly.
class Module {
 public:
  explicit Module(const TokenSpec& spec) {
    void* handle = ::dlopen(spec.module_path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      error_ = std::string("dlopen: ") + ::dlerror();
      return;
    }
    auto get = reinterpret_cast<CK_C_GetFunctionList>(::dlsym(handle, "C_GetFunctionList"));
    if (get == nullptr) {
      error_ = "no C_GetFunctionList";
      return;
    }
    if (CK_RV rv = get(&f_); rv != CKR_OK || f_ == nullptr) {
      error_ = "C_GetFunctionList: " + rv_hex(rv);
      return;
    }
    CK_C_INITIALIZE_ARGS args;
    std::memset(&args, 0, sizeof args);
    args.flags = CKF_OS_LOCKING_OK;
    init_args_ = spec.init_args;
    args.pReserved = init_args_.empty() ? nullptr : init_args_.data();
    if (CK_RV rv = f_->C_Initialize(&args); rv != CKR_OK) {
      error_ = "C_Initialize: " + rv_hex(rv);
      return;
    }
    initialized_ = true;
  }
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  ~Module() {
    if (initialized_) f_->C_Finalize(nullptr);
  }

  bool ok() const { return initialized_; }
  const std::string& error() const { return error_; }
  CK_FUNCTION_LIST_PTR f() const { return f_; }

  std::vector<SlotView> slots() const {
    std::vector<SlotView> out;
    CK_ULONG n = 0;
    if (f_->C_GetSlotList(CK_TRUE, nullptr, &n) != CKR_OK) return out;
    std::vector<CK_SLOT_ID> ids(n);
    if (f_->C_GetSlotList(CK_TRUE, ids.data(), &n) != CKR_OK) return out;
    ids.resize(n);
    for (CK_SLOT_ID id : ids) {
      CK_SLOT_INFO si;
      CK_TOKEN_INFO ti;
      if (f_->C_GetSlotInfo(id, &si) != CKR_OK || f_->C_GetTokenInfo(id, &ti) != CKR_OK) continue;
      out.push_back({id, field(si.slotDescription), field(ti.label), field(ti.serialNumber),
                     ti.flags});
    }
    return out;
  }

  // The slot whose token has this label and serial, if any.
  bool find(const TokenSpec& spec, SlotView* found) const {
    for (const auto& s : slots()) {
      if (s.label == spec.label && s.serial == spec.serial) {
        *found = s;
        return true;
      }
    }
    return false;
  }

  std::string describe_slots() const {
    std::string d;
    for (const auto& s : slots())
      d += "\n  slot " + std::to_string(s.id) + " [" + s.description + "] label [" + s.label +
           "] serial [" + s.serial + "]";
    return d.empty() ? "\n  (no slots with a token)" : d;
  }

 private:
  CK_FUNCTION_LIST_PTR f_ = nullptr;
  std::string init_args_;
  std::string error_;
  bool initialized_ = false;
};

CK_RV login(const Module& m, CK_SLOT_ID slot, const std::string& pin) {
  CK_SESSION_HANDLE s = 0;
  CK_RV rv = m.f()->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s);
  if (rv != CKR_OK) return rv;
  std::string p = pin;
  rv = m.f()->C_Login(s, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(p.data()), p.size());
  if (rv == CKR_OK) m.f()->C_Logout(s);
  m.f()->C_CloseSession(s);
  return rv;
}

// ---------------------------------------------------------------------------

TEST(TestTokensSoftHsm, SpecLooksRight) {
  const TokenSpec& t = TestTokens::softhsm();
  EXPECT_EQ(t.name, "softhsm");
  EXPECT_TRUE(fs::path(t.module_path).is_absolute()) << t.module_path;
  EXPECT_TRUE(fs::exists(t.module_path)) << t.module_path;
  EXPECT_EQ(t.init_args, "");
  EXPECT_EQ(t.label, "sslp11-test");
  EXPECT_EQ(t.serial.size(), 16u) << t.serial;
  EXPECT_EQ(t.serial.find_first_not_of("0123456789abcdef"), std::string::npos) << t.serial;
  EXPECT_EQ(t.user_pin.rfind("user-", 0), 0u);
  EXPECT_EQ(t.user_pin.size(), 13u);
  EXPECT_FALSE(t.so_pin.empty());
  EXPECT_NE(t.so_pin, t.user_pin);
  EXPECT_TRUE(t.login_required);
  EXPECT_EQ(t.expected_path, "composed");
  const char* conf = std::getenv("SOFTHSM2_CONF");
  ASSERT_NE(conf, nullptr);
  EXPECT_EQ(fs::path(conf).parent_path(), fs::path(TestTokens::temp_dir()));
}

TEST(TestTokensSoftHsm, TokenExistsAndUserPinWorks) {
  const TokenSpec& t = TestTokens::softhsm();
  Module m(t);
  ASSERT_TRUE(m.ok()) << t << ": " << m.error();
  SlotView slot;
  ASSERT_TRUE(m.find(t, &slot)) << t << " not among:" << m.describe_slots();
  EXPECT_NE(slot.token_flags & CKF_TOKEN_INITIALIZED, 0u);
  EXPECT_NE(slot.token_flags & CKF_USER_PIN_INITIALIZED, 0u);
  EXPECT_NE(slot.token_flags & CKF_LOGIN_REQUIRED, 0u);
  EXPECT_EQ(login(m, slot.id, t.user_pin), CKR_OK);
  EXPECT_EQ(login(m, slot.id, t.user_pin + "x"), CKR_PIN_INCORRECT);
  // Only our own tokens live in the private token dir: no system token leaks in.
  for (const auto& s : m.slots()) {
    if (s.token_flags & CKF_TOKEN_INITIALIZED) {
      EXPECT_TRUE(s.label.rfind("sslp11-", 0) == 0) << "foreign token " << s.label;
    }
  }
}

TEST(TestTokensSoftHsm, CreateSecondToken) {
  const TokenSpec& first = TestTokens::softhsm();
  const TokenSpec second = TestTokens::create_softhsm_token("sslp11-second");
  EXPECT_EQ(second.name, "softhsm");
  EXPECT_EQ(second.label, "sslp11-second");
  EXPECT_EQ(second.module_path, first.module_path);
  EXPECT_NE(second.serial, first.serial);
  EXPECT_NE(second.user_pin, first.user_pin);
  EXPECT_NE(second.so_pin, first.so_pin);

  Module m(first);
  ASSERT_TRUE(m.ok()) << m.error();
  SlotView s1;
  SlotView s2;
  ASSERT_TRUE(m.find(first, &s1)) << m.describe_slots();
  ASSERT_TRUE(m.find(second, &s2)) << m.describe_slots();
  EXPECT_NE(s1.id, s2.id);
  EXPECT_EQ(login(m, s2.id, second.user_pin), CKR_OK);
  EXPECT_EQ(login(m, s2.id, first.user_pin), CKR_PIN_INCORRECT);
}

TEST(TestTokensSoftHsm, BadLabelIsRejectedWithoutLeakingPins) {
  EXPECT_THROW(TestTokens::create_softhsm_token(""), std::runtime_error);
  EXPECT_THROW(TestTokens::create_softhsm_token(std::string(33, 'x')), std::runtime_error);
}

TEST(TestTokensNss, ModuleInitialisesWithoutDatabase) {
  const TokenSpec& t = TestTokens::nss();
  EXPECT_EQ(t.name, "nss");
  EXPECT_TRUE(fs::path(t.module_path).is_absolute()) << t.module_path;
  EXPECT_EQ(t.label, "NSS Generic Crypto Services");
  EXPECT_EQ(t.serial, "0000000000000000");
  EXPECT_TRUE(t.user_pin.empty());
  EXPECT_FALSE(t.login_required);
  EXPECT_EQ(t.expected_path, "native");
  EXPECT_NE(t.init_args.find("noCertDB"), std::string::npos);

  Module m(t);
  ASSERT_TRUE(m.ok()) << t << ": " << m.error();
  SlotView slot;
  ASSERT_TRUE(m.find(t, &slot)) << t << " not among:" << m.describe_slots();
  EXPECT_EQ(slot.description, "NSS Internal Cryptographic Services");
  EXPECT_EQ(slot.token_flags & CKF_LOGIN_REQUIRED, 0u);

  CK_MECHANISM_INFO mi;
  EXPECT_EQ(m.f()->C_GetMechanismInfo(slot.id, CKM_TLS12_MASTER_KEY_DERIVE, &mi), CKR_OK);
  EXPECT_EQ(m.f()->C_GetMechanismInfo(slot.id, CKM_TLS12_KEY_AND_MAC_DERIVE, &mi), CKR_OK);

  // Session objects work without login even though the token says WRITE_PROTECTED.
  CK_SESSION_HANDLE s = 0;
  ASSERT_EQ(m.f()->C_OpenSession(slot.id, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr,
                                 &s),
            CKR_OK);
  CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
  CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
  CK_BBOOL no = CK_FALSE;
  CK_BBOOL yes = CK_TRUE;
  unsigned char value[48] = {1, 2, 3};
  CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls},
                         {CKA_KEY_TYPE, &kt, sizeof kt},
                         {CKA_TOKEN, &no, sizeof no},
                         {CKA_DERIVE, &yes, sizeof yes},
                         {CKA_VALUE, value, sizeof value}};
  CK_OBJECT_HANDLE obj = 0;
  EXPECT_EQ(m.f()->C_CreateObject(s, tmpl, sizeof tmpl / sizeof tmpl[0], &obj), CKR_OK);
  m.f()->C_CloseSession(s);
}

TEST(TestTokensSpecs, RepeatedCallsReturnSameSpec) {
  EXPECT_EQ(&TestTokens::softhsm(), &TestTokens::softhsm());
  EXPECT_EQ(&TestTokens::nss(), &TestTokens::nss());
  const TokenSpec a = TestTokens::softhsm();
  const TokenSpec& b = TestTokens::softhsm();
  EXPECT_EQ(a.serial, b.serial);
  EXPECT_EQ(a.user_pin, b.user_pin);
  const auto all = TestTokens::all();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "softhsm");
  EXPECT_EQ(all[0].serial, b.serial);
  EXPECT_EQ(all[1].name, "nss");
  EXPECT_EQ(&TestTokens::temp_dir(), &TestTokens::temp_dir());
}

TEST(TestTokensSpecs, PrintingNeverShowsPins) {
  const TokenSpec& t = TestTokens::softhsm();
  const std::string printed = ::testing::PrintToString(t);
  EXPECT_NE(printed.find("softhsm"), std::string::npos) << printed;
  EXPECT_NE(printed.find(t.module_path), std::string::npos) << printed;
  EXPECT_NE(printed.find(t.label), std::string::npos) << printed;
  EXPECT_EQ(printed.find(t.user_pin), std::string::npos) << "user PIN printed";
  EXPECT_EQ(printed.find(t.so_pin), std::string::npos) << "SO PIN printed";
  EXPECT_EQ(TokenName()(::testing::TestParamInfo<TokenSpec>(t, 0)), "softhsm");
  EXPECT_EQ(TokenName()(::testing::TestParamInfo<TokenSpec>(TestTokens::nss(), 1)), "nss");
}

// Set by DistinctPerProcessAndRemovedAtExit for the child it spawns.
constexpr const char* kReportVar = "SSLP11_SELFTEST_TEMP_DIR_REPORT";

TEST(TestTokensTempDir, UnderTmpdirAndNamedAfterPid) {
  const std::string& dir = TestTokens::temp_dir();
  fs::path base = "/tmp";
  if (const char* t = std::getenv("TMPDIR"); t != nullptr && *t != '\0' && fs::is_directory(t))
    base = fs::absolute(t).lexically_normal();
  EXPECT_EQ(fs::path(dir).parent_path(), base) << dir;
  const std::string name = fs::path(dir).filename().string();
  EXPECT_EQ(name.rfind("sslp11-test-" + std::to_string(::getpid()) + "-", 0), 0u) << name;
  struct stat st {};
  ASSERT_EQ(::stat(dir.c_str(), &st), 0) << dir;
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  (void)TestTokens::softhsm();
  EXPECT_TRUE(fs::is_directory(fs::path(dir) / "tokens"));
  if (const char* report = std::getenv(kReportVar); report != nullptr) {
    std::ofstream(report) << dir;
  }
}

TEST(TestTokensTempDir, DistinctPerProcessAndRemovedAtExit) {
  const std::string& mine = TestTokens::temp_dir();
  const std::string report = mine + "/child-report";
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string kv = *e;
    if (kv.rfind("SSLP11_KEEP_TEST_TOKENS=", 0) != 0 && kv.rfind(kReportVar, 0) != 0)
      env.push_back(kv);
  }
  env.push_back(std::string(kReportVar) + "=" + report);
  std::vector<char*> cenv;
  for (auto& kv : env) cenv.push_back(kv.data());
  cenv.push_back(nullptr);
  std::string exe = "/proc/self/exe";
  std::string filter = "--gtest_filter=TestTokensTempDir.UnderTmpdirAndNamedAfterPid";
  char* argv[] = {exe.data(), filter.data(), nullptr};

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, exe.c_str(), &fa, nullptr, argv, cenv.data());
  posix_spawn_file_actions_destroy(&fa);
  ASSERT_EQ(rc, 0) << std::strerror(rc);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;

  std::string theirs;
  std::ifstream(report) >> theirs;
  ASSERT_FALSE(theirs.empty());
  EXPECT_NE(theirs, mine);
  EXPECT_TRUE(fs::path(theirs).is_absolute()) << theirs;
  EXPECT_EQ(fs::path(theirs).parent_path(), fs::path(mine).parent_path()) << theirs;
  EXPECT_FALSE(fs::exists(theirs)) << "child's temp dir was not removed at exit: " << theirs;
}

// The pattern real suites use.
class TestTokensParam : public ::testing::TestWithParam<TokenSpec> {};

TEST_P(TestTokensParam, ModuleShowsToken) {
  const TokenSpec& t = GetParam();
  Module m(t);
  ASSERT_TRUE(m.ok()) << m.error();
  SlotView slot;
  ASSERT_TRUE(m.find(t, &slot)) << m.describe_slots();
  EXPECT_EQ((slot.token_flags & CKF_LOGIN_REQUIRED) != 0, t.login_required);
  if (t.login_required) {
    EXPECT_EQ(login(m, slot.id, t.user_pin), CKR_OK);
  }
}

INSTANTIATE_TEST_SUITE_P(AllTokens, TestTokensParam, ::testing::ValuesIn(TestTokens::all()),
                         TokenName());

}  // namespace
}  // namespace sslp11::test
