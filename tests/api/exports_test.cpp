// The shared library as a consumer gets it (src/CMakeLists.txt, src/abi/exports.map):
// libsslp11.so loads on its own with dlopen, resolves the Ssl* API, exports
// nothing else, and works standalone. Deliberately not linked to the provider
// objects, so nothing here can be satisfied by the static copy.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <sslp11/sslp11.h>

#include <cstdio>
#include <set>
#include <sstream>
#include <string>

namespace {

class SharedLibrary : public ::testing::Test {
 protected:
  void SetUp() override {
    handle_ = dlopen(SSLP11_SHARED_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(handle_, nullptr) << "dlopen(" << SSLP11_SHARED_LIBRARY << "): " << dlerror();
  }
  void TearDown() override {
    if (handle_ != nullptr) dlclose(handle_);
  }

  template <class F>
  F* symbol(const char* name) {
    return reinterpret_cast<F*>(dlsym(handle_, name));
  }

  void* handle_ = nullptr;
};

// The defined dynamic symbols of the library, from `nm -D --defined-only`.
std::set<std::string> defined_dynamic_symbols() {
  const std::string command = std::string(SSLP11_NM) + " -D --defined-only '" + SSLP11_SHARED_LIBRARY + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "popen(" << command << ") failed";
    return {};
  }
  std::string output;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int status = pclose(pipe);
  EXPECT_EQ(status, 0) << command << ":\n" << output;
  std::set<std::string> names;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    // "<address> <type> <name>[@version]"
    std::istringstream fields(line);
    std::string address, type, name;
    if (!(fields >> address >> type >> name)) continue;
    names.insert(name.substr(0, name.find('@')));
  }
  return names;
}

TEST_F(SharedLibrary, ResolvesTheSslApi) {
  for (const char* name :
       {"SslOpenProvider", "SslFreeObject", "SslFreeBuffer", "SslEnumCipherSuites", "SslCreateEphemeralKey",
        "SslGenerateMasterKey", "SslGenerateSessionKeys", "SslGetKeyProperty"}) {
    EXPECT_NE(dlsym(handle_, name), nullptr) << name << ": " << dlerror();
  }
}

TEST_F(SharedLibrary, ResolvesTheExtensionApi) {
  for (const char* name :
       {"Sslp11GetExtensionVersion", "Sslp11GetLastErrorText", "Sslp11GetStatusName", "Sslp11DescribeKey",
        "Sslp11ImportPemKey", "Sslp11DeleteImportedKey", "Sslp11CountTokenObjects", "Sslp11CountLiveHandles"}) {
    EXPECT_NE(dlsym(handle_, name), nullptr) << name << ": " << dlerror();
  }
  auto* version = symbol<decltype(Sslp11GetExtensionVersion)>("Sslp11GetExtensionVersion");
  ASSERT_NE(version, nullptr);
  EXPECT_EQ(version(), DWORD{SSLP11_EXTENSION_VERSION});
}

TEST_F(SharedLibrary, ResolvesTheOperatorExtensionApi) {
  // Version 2 of the extension API (src/abi/extensions_admin.cpp).
  for (const char* name : {"Sslp11OpenProviderForToken", "Sslp11GetTokenReport", "Sslp11RunSelfTest",
                           "Sslp11LookupCipherSuiteByName", "Sslp11GetCipherSuiteName", "Sslp11CountPkcs11Calls"}) {
    EXPECT_NE(dlsym(handle_, name), nullptr) << name << ": " << dlerror();
  }
}

TEST_F(SharedLibrary, ResolvesThePoolExtensionApi) {
  // Version 3 of the extension API (src/abi/extensions_pool.cpp).
  EXPECT_NE(dlsym(handle_, "Sslp11GetPoolStatus"), nullptr) << dlerror();
}

TEST_F(SharedLibrary, HidesItsInternals) {
  // C++ internals of the ABI and core layers (hidden by the version script).
  for (const char* name : {"_ZN6sslp113abi18last_error_messageEv", "_ZN6sslp113abi11HandleTable8instanceEv"}) {
    EXPECT_EQ(dlsym(handle_, name), nullptr) << name << " is visible";
  }
}

TEST(SharedLibraryFile, ExportsOnlySslSymbols) {
  const auto names = defined_dynamic_symbols();
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names.count("SslOpenProvider"), 1u);
  for (const std::string& name : names) {
    if (name == "GetSChannelInterface") continue;  // provider discovery (reference §2.A)
    EXPECT_EQ(name.rfind("Ssl", 0), 0u) << name << " is exported";
  }
  EXPECT_EQ(names.count("GetSChannelInterface"), 1u);
}

// The TLS 1.3 key schedule (reference §2.I, §2.J) and provider discovery.
TEST_F(SharedLibrary, ResolvesTheTls13ApiAndTheFunctionTable) {
  for (const char* name :
       {"SslExtractEarlyKey", "SslExtractHandshakeKey", "SslExtractMasterKey", "SslExpandTrafficKeys",
        "SslExpandWriteKey", "SslExpandExporterMasterKey", "SslExpandResumptionMasterKey", "SslExpandBinderKey",
        "SslExpandPreSharedKey", "SslExpandNextGenTrafficKey", "SslDuplicateTranscriptHash", "SslInitializeInterface",
        "GetSChannelInterface"}) {
    EXPECT_NE(dlsym(handle_, name), nullptr) << name << " is not exported";
  }
  auto* get = symbol<decltype(GetSChannelInterface)>("GetSChannelInterface");
  ASSERT_NE(get, nullptr);
  NCRYPT_SSL_FUNCTION_TABLE* table = nullptr;
  ASSERT_EQ(get(nullptr, &table, 0), 0);
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(table->Version.MajorVersion, 5);
  EXPECT_EQ(reinterpret_cast<void*>(table->OpenProvider), dlsym(handle_, "SslOpenProvider"));
  EXPECT_EQ(reinterpret_cast<void*>(table->EncryptPacket), dlsym(handle_, "SslEncryptPacket"));
  EXPECT_EQ(reinterpret_cast<void*>(table->ExtractEarlyKey), dlsym(handle_, "SslExtractEarlyKey"));
  EXPECT_EQ(reinterpret_cast<void*>(table->EnumCipherSuitesEx), dlsym(handle_, "SslEnumCipherSuitesEx"));
  EXPECT_EQ(reinterpret_cast<void*>(table->ExpandPreSharedKey), dlsym(handle_, "SslExpandPreSharedKey"));
  // Every slot of the v5 table is filled.
  const auto* slots = reinterpret_cast<void* const*>(reinterpret_cast<const char*>(table) + sizeof(void*));
  for (std::size_t i = 0; i < 41; ++i) EXPECT_NE(slots[i], nullptr) << "slot " << i;
  EXPECT_EQ(get(u"No Such SSL Provider", &table, 0), STATUS_NOT_FOUND);
  EXPECT_EQ(table, nullptr);
  EXPECT_EQ(get(nullptr, nullptr, 0), STATUS_INVALID_PARAMETER);

  auto* init = symbol<decltype(SslInitializeInterface)>("SslInitializeInterface");
  ASSERT_NE(init, nullptr);
  NCRYPT_SSL_FUNCTION_TABLE mine{};
  ASSERT_EQ(init(MS_SCHANNEL_PROVIDER, &mine, 0), 0);
  EXPECT_EQ(mine.Version.MajorVersion, 5);
  EXPECT_EQ(reinterpret_cast<void*>(mine.DuplicateTranscriptHash), dlsym(handle_, "SslDuplicateTranscriptHash"));
  EXPECT_EQ(init(nullptr, &mine, 1), NTE_BAD_FLAGS);
  EXPECT_EQ(init(nullptr, nullptr, 0), NTE_INVALID_PARAMETER);
}

TEST_F(SharedLibrary, WorksStandalone) {
  auto* open = symbol<decltype(SslOpenProvider)>("SslOpenProvider");
  ASSERT_NE(open, nullptr);
  NCRYPT_PROV_HANDLE p = 0;
  EXPECT_EQ(open(&p, u"No Such SSL Provider", 0), STATUS_NOT_FOUND);
  EXPECT_EQ(p, 0u);
  EXPECT_EQ(open(nullptr, nullptr, 0), NTE_INVALID_PARAMETER);
  auto* change_notify = symbol<decltype(SslChangeNotify)>("SslChangeNotify");
  ASSERT_NE(change_notify, nullptr);
  EXPECT_EQ(change_notify(nullptr, 0), NTE_NOT_SUPPORTED);
  auto* free_buffer = symbol<decltype(SslFreeBuffer)>("SslFreeBuffer");
  ASSERT_NE(free_buffer, nullptr);
  EXPECT_EQ(free_buffer(nullptr), NTE_INVALID_PARAMETER);
}

}  // namespace
