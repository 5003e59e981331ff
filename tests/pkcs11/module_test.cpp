// Tests of pkcs11/module.cpp: loading, sharing and unloading PKCS#11 modules.
#include <dlfcn.h>
#include <link.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "pkcs11/module.h"
#include "pkcs11/token.h"
#include "support/test_tokens.h"

namespace sslp11::p11 {
namespace {

using test::TestTokens;
using test::TokenName;
using test::TokenSpec;

class ModuleTest : public ::testing::TestWithParam<TokenSpec> {
 protected:
  const TokenSpec& spec() const { return GetParam(); }
  std::shared_ptr<Module> load() const { return Module::load(spec().module_path, spec().init_args); }

  // C_Initialize straight through the module's function list, as Module does.
  CK_RV raw_initialize(CK_FUNCTION_LIST* functions) const {
    std::string reserved = spec().init_args;
    CK_C_INITIALIZE_ARGS args{};
    args.flags = CKF_OS_LOCKING_OK;
    args.pReserved = reserved.empty() ? nullptr : reserved.data();
    return functions->C_Initialize(&args);
  }
};

TEST_P(ModuleTest, LoadsAndListsTheTestToken) {
  auto module = load();
  const CK_INFO info = module->info();
  EXPECT_GE(info.cryptokiVersion.major, 2);
  std::cout << "[" << spec().name << "] " << module->path() << ": "
            << trim_padded(info.manufacturerID, sizeof info.manufacturerID) << " / "
            << trim_padded(info.libraryDescription, sizeof info.libraryDescription) << ", Cryptoki "
            << int(info.cryptokiVersion.major) << "." << int(info.cryptokiVersion.minor) << "\n";

  bool found = false;
  for (const SlotDescription& s : module->slots()) {
    if (!s.token_present || s.label != spec().label || s.serial != spec().serial) continue;
    found = true;
    EXPECT_EQ((s.token_flags & CKF_LOGIN_REQUIRED) != 0, spec().login_required) << "slot " << s.id;
    EXPECT_FALSE(s.slot_description.empty());
  }
  EXPECT_TRUE(found) << "no slot shows label '" << spec().label << "' serial '" << spec().serial << "'";
  EXPECT_EQ(module->init_args(), spec().init_args);
  EXPECT_FALSE(module->forked());
}

TEST_P(ModuleTest, SecondLoadOfTheSamePathSharesTheInstance) {
  auto first = load();
  const std::uint64_t before = calls_on_this_thread();
  auto second = load();
  EXPECT_EQ(calls_on_this_thread(), before) << "sharing must not call C_Initialize again";
  EXPECT_EQ(first.get(), second.get());
  EXPECT_EQ(first->api().functions(), second->api().functions());

  // Another spelling of the same file is the same module too.
  const std::filesystem::path p(spec().module_path);
  const std::string detour = (p.parent_path() / "." / p.filename()).string();
  auto third = Module::load(detour, spec().init_args);
  EXPECT_EQ(first.get(), third.get()) << detour;
}

TEST_P(ModuleTest, DifferentInitStringForALoadedPathIsRefused) {
  auto module = load();
  const std::string other = spec().init_args.empty() ? "some-init-string" : spec().init_args + " extra";
  try {
    Module::load(spec().module_path, other);
    FAIL() << "second load with a different init string succeeded";
  } catch (const LayerError& e) {
    EXPECT_EQ(e.fault(), Fault::bad_argument);
    EXPECT_NE(std::string(e.what()).find(spec().module_path), std::string::npos) << e.what();
  }
  // The instance already loaded is untouched.
  EXPECT_NO_THROW(module->info());
}

TEST_P(ModuleTest, LoadsAgainAfterTheLastReferenceGoes) {
  auto module = load();
  CK_FUNCTION_LIST* const functions = module->api().functions();
  std::weak_ptr<Module> watch = module;

  // Dropping the last reference finalises: exactly one call (C_Finalize).
  std::uint64_t before = calls_on_this_thread();
  module.reset();
  EXPECT_EQ(calls_on_this_thread() - before, 1u);
  EXPECT_TRUE(watch.expired());
  // The library stays mapped (no dlclose), so its own entry point is the
  // oracle: C_Initialize succeeds only on a finalised module.
  EXPECT_EQ(raw_initialize(functions), CKR_OK) << "the module was not finalised";
  EXPECT_EQ(functions->C_Finalize(nullptr), CKR_OK);

  // Loading again initialises again: exactly one call (C_Initialize).
  before = calls_on_this_thread();
  auto again = load();
  EXPECT_EQ(calls_on_this_thread() - before, 1u);
  EXPECT_EQ(again->api().functions(), functions);
  EXPECT_EQ(raw_initialize(functions), CKR_CRYPTOKI_ALREADY_INITIALIZED) << "the module was not initialised";
  EXPECT_NO_THROW(again->slots());
}

TEST_P(ModuleTest, ForkedChildSeesForked) {
  auto module = load();
  ASSERT_FALSE(module->forked());
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) _exit(module->forked() ? 0 : 1);  // nothing but getpid() in the child
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the child did not see forked() == true";
  EXPECT_FALSE(module->forked());
}

// load() while the last reference is being released (~Module running
// C_Finalize) must wait for the finalisation and then initialise afresh; it
// must never hand out a module finalised under it, nor call C_Initialize
// while C_Finalize runs. The loader thread starts the moment the weak_ptr
// expires, i.e. as ~Module begins; open sessions make C_Finalize slower,
// which widens the window. Exits 0 when every load gave a usable module.
[[noreturn]] void load_during_last_release_and_exit(const TokenSpec& spec) {
  constexpr int kRounds = 50;
  constexpr int kSessions = 2048;
  int failures = 0;
  std::string first;
  for (int round = 0; round < kRounds; ++round) {
    auto module = Module::load(spec.module_path, spec.init_args);
    TokenSelector ours;
    ours.label = spec.label;
    ours.serial = spec.serial;
    const CK_SLOT_ID slot = select_token(*module, ours).id;
    for (int i = 0; i < kSessions; ++i) module->api().C_OpenSession(slot, CKF_RW_SESSION);

    std::weak_ptr<Module> watch = module;
    std::atomic<bool> started{false};
    std::string error;
    std::thread loader([&] {
      started = true;
      while (!watch.expired()) {
      }
      try {
        auto again = Module::load(spec.module_path, spec.init_args);
        again->slots();  // C_GetSlotList + C_GetSlotInfo: fail on a finalised module
      } catch (const std::exception& e) {
        error = e.what();
      }
    });
    while (!started) {
    }
    module.reset();  // the last reference: ~Module -> C_Finalize
    loader.join();
    if (!error.empty() && failures++ == 0) first = error;
  }
  std::fprintf(stderr, "%d of %d loads during the last release failed%s%s\n", failures, kRounds,
               failures != 0 ? "; first: " : "", first.c_str());
  std::exit(failures == 0 ? 0 : 1);
}

TEST_P(ModuleTest, LoadDuringTheLastReleaseGetsAnInitialisedModule) {
  // In a child process of its own: when the race is lost the module may crash.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(load_during_last_release_and_exit(spec()), ::testing::ExitedWithCode(0), "");
}

INSTANTIATE_TEST_SUITE_P(Tokens, ModuleTest, ::testing::ValuesIn(TestTokens::all()), TokenName());

TEST(ModuleLoad, MissingFileIsModuleNotFoundNamingThePath) {
  const std::string path = TestTokens::temp_dir() + "/no-such-pkcs11-module.so";
  try {
    Module::load(path);
    FAIL() << "loading " << path << " succeeded";
  } catch (const LayerError& e) {
    EXPECT_EQ(e.fault(), Fault::module_not_found);
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

// The full path of the libz.so.1 the dynamic linker picks (any shared
// library without C_GetFunctionList would do).
std::string libz_path() {
  void* handle = dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) return {};
  link_map* map = nullptr;
  std::string path;
  if (dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map != nullptr && map->l_name != nullptr) path = map->l_name;
  dlclose(handle);
  return path;
}

TEST(ModuleLoad, LibraryWithoutPkcs11EntryPointIsNotAModule) {
  const std::string path = libz_path();
  ASSERT_FALSE(path.empty()) << "libz.so.1 not found";
  ASSERT_EQ(path.front(), '/') << path;
  try {
    Module::load(path);
    FAIL() << "loading " << path << " as a PKCS#11 module succeeded";
  } catch (const LayerError& e) {
    EXPECT_EQ(e.fault(), Fault::not_a_module);
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST(TrimPadded, StripsBlankAndNulPadding) {
  const unsigned char blanks[8] = {'a', 'b', 'c', ' ', ' ', ' ', ' ', ' '};
  EXPECT_EQ(trim_padded(blanks, sizeof blanks), "abc");
  const unsigned char nuls[6] = {'x', ' ', 'y', '\0', '\0', ' '};
  EXPECT_EQ(trim_padded(nuls, sizeof nuls), "x y");
  const unsigned char empty[4] = {' ', ' ', ' ', ' '};
  EXPECT_EQ(trim_padded(empty, sizeof empty), "");
  const unsigned char full[3] = {'a', 'b', 'c'};
  EXPECT_EQ(trim_padded(full, sizeof full), "abc");
}

}  // namespace
}  // namespace sslp11::p11
