// API contract of the key-exchange entry points (src/abi/key_exchange.cpp,
// src/abi/buffer_desc.cpp, src/abi/key_blobs.cpp) when called wrongly:
// SslCreateEphemeralKey, SslImportKey, SslExportKey, SslGenerateMasterKey,
// SslImportMasterKey and SslGeneratePreMasterKey. Expected statuses:
// reference §2.C, §2.D, §3.6, §4.5, §5.3.
//
// Each negative case changes exactly one thing in a call that is first shown
// to succeed, so the status cannot depend on the order sslp11 checks in.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "api/api_support.h"
#include "abi/handle_table.h"
#include "core/keys.h"

namespace sslp11::test {
namespace {

constexpr DWORD kEcdhe = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
constexpr DWORD kEcdhe384 = TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384;  // SHA-384 PRF
constexpr DWORD kRsa = TLS_RSA_WITH_AES_128_GCM_SHA256;

// The malformed parameter lists of §4.5 (each otherwise carrying both randoms).
struct MalformedList {
  const char* what;
  std::function<void(NCryptBufferDesc&)> spoil;
};

std::vector<MalformedList> malformed_lists() {
  return {
      {"ulVersion 1", [](NCryptBufferDesc& d) { d.ulVersion = 1; }},
      {"cBuffers 2, pBuffers NULL", [](NCryptBufferDesc& d) { d.pBuffers = nullptr; }},
      {"cbBuffer 32, pvBuffer NULL", [](NCryptBufferDesc& d) { d.pBuffers[1].pvBuffer = nullptr; }},
      {"the same buffer type twice", [](NCryptBufferDesc& d) { d.pBuffers[1].BufferType = d.pBuffers[0].BufferType; }},
      {"cBuffers 0x10000000", [](NCryptBufferDesc& d) { d.cBuffers = 0x10000000; }},
      {"cBuffers 0xFFFFFFFF", [](NCryptBufferDesc& d) { d.cBuffers = 0xFFFFFFFF; }},
  };
}

// The randoms list variants that must be NTE_INVALID_PARAMETER.
struct BadRandoms {
  const char* what;
  std::function<ParamList(Randoms&)> make;
};

std::vector<BadRandoms> bad_randoms() {
  return {
      {"no CLIENT_RANDOM",
       [](Randoms& r) {
         ParamList p;
         p.add(NCRYPTBUFFER_SSL_SERVER_RANDOM, r.server.data(), 32);
         return p;
       }},
      {"no SERVER_RANDOM",
       [](Randoms& r) {
         ParamList p;
         p.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, r.client.data(), 32);
         return p;
       }},
      {"a 31-byte CLIENT_RANDOM",
       [](Randoms& r) {
         ParamList p;
         p.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, r.client.data(), 31)
             .add(NCRYPTBUFFER_SSL_SERVER_RANDOM, r.server.data(), 32);
         return p;
       }},
      {"a 33-byte SERVER_RANDOM",
       [](Randoms& r) {
         static std::array<BYTE, 33> longer{};
         ParamList p;
         p.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, r.client.data(), 32)
             .add(NCRYPTBUFFER_SSL_SERVER_RANDOM, longer.data(), 33);
         return p;
       }},
      {"an empty list", [](Randoms&) { return ParamList(); }},
  };
}

class KeyExchangeErrors : public ::testing::TestWithParam<TokenSpec> {
 protected:
  const TokenSpec& token() const { return GetParam(); }
  NCRYPT_PROV_HANDLE p() const { return provider_.get(); }

  ProviderHandle provider_{GetParam()};
  Randoms randoms_;
};

// ---------------------------------------------------------------------------
// SslCreateEphemeralKey
// ---------------------------------------------------------------------------

TEST_P(KeyExchangeErrors, CreateEphemeralKey) {
  Handle key;
  ASSERT_OK(SslCreateEphemeralKey(p(), key.out(), kTls12, kEcdhe, 23, 256, nullptr, 0, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslCreateEphemeralKey(p(), nullptr, kTls12, kEcdhe, 23, 256, nullptr, 0, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslCreateEphemeralKey(p(), key.out(), kTls12, kEcdhe, 23, 256, nullptr, 0, 1));
  EXPECT_STATUS(NTE_BAD_FLAGS,
                SslCreateEphemeralKey(p(), key.out(), kTls12, kEcdhe, 23, 256, nullptr, 0, NCRYPT_SSL_SERVER_FLAG));
  EXPECT_STATUS(NTE_NOT_SUPPORTED,
                SslCreateEphemeralKey(p(), key.out(), kTls12, kUnknownSuite, 23, 256, nullptr, 0, 0));
  EXPECT_STATUS(NTE_NOT_SUPPORTED,
                SslCreateEphemeralKey(p(), key.out(), TLS1_0_PROTOCOL_VERSION, kEcdhe, 23, 256, nullptr, 0, 0));
  EXPECT_EQ(key.get(), 0u);
}

TEST_P(KeyExchangeErrors, CreateEphemeralKeyOnABadProviderHandle) {
  ProviderHandle freed_provider(token());
  Handle other_key;
  ASSERT_OK(SslCreateEphemeralKey(p(), other_key.out(), kTls12, kEcdhe, 23, 256, nullptr, 0, 0));
  Handle doomed;
  ASSERT_OK(SslOpenProvider(doomed.out(), nullptr, 0));
  const NCRYPT_HANDLE freed = doomed.free_keep_value();
  for (NCRYPT_PROV_HANDLE bad : {NCRYPT_HANDLE{0}, kForgedHandle, freed, other_key.get()}) {
    SCOPED_TRACE(bad);
    Handle key;
    EXPECT_STATUS(NTE_INVALID_HANDLE, SslCreateEphemeralKey(bad, key.out(), kTls12, kEcdhe, 23, 256, nullptr, 0, 0));
  }
}

TEST_P(KeyExchangeErrors, OpenPrivateKeyArguments) {
  TokenRsaKey rsa(token());
  Handle key;
  ASSERT_OK(SslOpenPrivateKey(p(), key.out(), rsa.cert_context(), 0));
  // §2.C [DOC]: NULL phPrivateKey or pCertContext => NTE_INVALID_PARAMETER.
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslOpenPrivateKey(p(), nullptr, rsa.cert_context(), 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslOpenPrivateKey(p(), key.out(), nullptr, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslOpenPrivateKey(p(), key.out(), rsa.cert_context(), 1));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslOpenPrivateKey(kForgedHandle, key.out(), rsa.cert_context(), 0));
  EXPECT_EQ(key.get(), 0u);
}

// ---------------------------------------------------------------------------
// SslImportKey
// ---------------------------------------------------------------------------

std::vector<BYTE> exported_ecc_blob(NCRYPT_PROV_HANDLE p, NCRYPT_KEY_HANDLE key) {
  std::vector<BYTE> blob(512);
  DWORD n = 0;
  EXPECT_OK(SslExportKey(p, key, BCRYPT_ECCPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), &n, 0));
  blob.resize(n);
  return blob;
}

TEST_P(KeyExchangeErrors, ImportKeyArgumentErrors) {
  EcdheKeys k = make_ecdhe(p(), kEcdhe);
  auto blob = exported_ecc_blob(p(), k.peer_ephemeral.get());
  const DWORD cb = static_cast<DWORD>(blob.size());
  Handle key;
  ASSERT_OK(SslImportKey(p(), key.out(), BCRYPT_ECCPUBLIC_BLOB, blob.data(), cb, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslImportKey(p(), nullptr, BCRYPT_ECCPUBLIC_BLOB, blob.data(), cb, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslImportKey(p(), key.out(), BCRYPT_ECCPUBLIC_BLOB, blob.data(), cb, 1));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslImportKey(kForgedHandle, key.out(), BCRYPT_ECCPUBLIC_BLOB, blob.data(), cb, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslImportKey(0, key.out(), BCRYPT_ECCPUBLIC_BLOB, blob.data(), cb, 0));
  EXPECT_EQ(key.get(), 0u);
}

TEST_P(KeyExchangeErrors, MalformedEccPublicBlobsAreBadData) {
  EcdheKeys k = make_ecdhe(p(), kEcdhe);
  const auto good = exported_ecc_blob(p(), k.peer_ephemeral.get());
  ASSERT_EQ(good.size(), sizeof(BCRYPT_ECCKEY_BLOB) + 64);

  struct Case {
    const char* what;
    std::vector<BYTE> blob;
  };
  auto with_header = [&](ULONG magic, ULONG cb_key) {
    auto b = good;
    BCRYPT_ECCKEY_BLOB h{magic, cb_key};
    std::memcpy(b.data(), &h, sizeof h);
    return b;
  };
  const std::vector<Case> cases = {
      {"a 4-byte blob (short header)", std::vector<BYTE>(good.begin(), good.begin() + 4)},
      {"header only", std::vector<BYTE>(good.begin(), good.begin() + sizeof(BCRYPT_ECCKEY_BLOB))},
      {"wrong magic", with_header(0x12345678, 32)},
      {"RSA magic", with_header(BCRYPT_RSAPUBLIC_MAGIC, 32)},
      {"cbKey 48 with a P-256 magic", with_header(BCRYPT_ECDH_PUBLIC_P256_MAGIC, 48)},
      {"cbKey 31", with_header(BCRYPT_ECDH_PUBLIC_P256_MAGIC, 31)},
      {"cbKey 0xFFFFFFFF", with_header(BCRYPT_ECDH_PUBLIC_P256_MAGIC, 0xFFFFFFFF)},
      {"truncated by one byte", std::vector<BYTE>(good.begin(), good.end() - 1)},
      {"one byte too long",
       [&] {
         auto b = good;
         b.push_back(0);
         return b;
       }()},
  };
  for (const auto& c : cases) {
    Handle key;
    auto blob = c.blob;
    EXPECT_STATUS(NTE_BAD_DATA,
                  SslImportKey(p(), key.out(), BCRYPT_ECCPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), 0))
        << c.what;
    EXPECT_EQ(key.get(), 0u) << c.what;
  }
}

TEST_P(KeyExchangeErrors, MalformedRsaAndDhPublicBlobsAreBadData) {
  TokenRsaKey rsa(token());
  const auto good_rsa = rsa.public_blob();
  {
    Handle key;
    auto b = good_rsa;
    ASSERT_OK(SslImportKey(p(), key.out(), BCRYPT_RSAPUBLIC_BLOB, b.data(), static_cast<DWORD>(b.size()), 0));
  }
  auto rsa_with = [&](std::function<void(BCRYPT_RSAKEY_BLOB&)> change) {
    auto b = good_rsa;
    BCRYPT_RSAKEY_BLOB h;
    std::memcpy(&h, b.data(), sizeof h);
    change(h);
    std::memcpy(b.data(), &h, sizeof h);
    return b;
  };
  auto params = ffdhe2048_parameters();
  Handle dh;
  ASSERT_OK(SslCreateEphemeralKey(p(), dh.out(), kTls12, TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, 0, 2048, params.data(),
                                  static_cast<DWORD>(params.size()), 0));
  std::vector<BYTE> good_dh(2048);
  DWORD n = 0;
  ASSERT_OK(
      SslExportKey(p(), dh.get(), BCRYPT_DH_PUBLIC_BLOB, good_dh.data(), static_cast<DWORD>(good_dh.size()), &n, 0));
  good_dh.resize(n);
  {
    Handle key;
    auto b = good_dh;
    ASSERT_OK(SslImportKey(p(), key.out(), BCRYPT_DH_PUBLIC_BLOB, b.data(), static_cast<DWORD>(b.size()), 0));
  }
  auto dh_with = [&](ULONG magic, ULONG cb_key) {
    auto b = good_dh;
    BCRYPT_DH_KEY_BLOB h{magic, cb_key};
    std::memcpy(b.data(), &h, sizeof h);
    return b;
  };

  struct Case {
    const char* what;
    LPCWSTR type;
    std::vector<BYTE> blob;
  };
  const std::vector<Case> cases = {
      {"RSA: short header", BCRYPT_RSAPUBLIC_BLOB, std::vector<BYTE>(good_rsa.begin(), good_rsa.begin() + 12)},
      {"RSA: wrong magic", BCRYPT_RSAPUBLIC_BLOB, rsa_with([](BCRYPT_RSAKEY_BLOB& h) { h.Magic = 0x32415352; })},
      {"RSA: cbModulus one too many", BCRYPT_RSAPUBLIC_BLOB, rsa_with([](BCRYPT_RSAKEY_BLOB& h) { ++h.cbModulus; })},
      {"RSA: cbPublicExp 0xFFFFFFFF", BCRYPT_RSAPUBLIC_BLOB,
       rsa_with([](BCRYPT_RSAKEY_BLOB& h) { h.cbPublicExp = 0xFFFFFFFF; })},
      {"RSA: truncated", BCRYPT_RSAPUBLIC_BLOB, std::vector<BYTE>(good_rsa.begin(), good_rsa.end() - 1)},
      {"DH: short header", BCRYPT_DH_PUBLIC_BLOB, std::vector<BYTE>(good_dh.begin(), good_dh.begin() + 4)},
      {"DH: wrong magic", BCRYPT_DH_PUBLIC_BLOB, dh_with(BCRYPT_DH_PARAMETERS_MAGIC, 256)},
      {"DH: cbKey mismatch", BCRYPT_DH_PUBLIC_BLOB, dh_with(BCRYPT_DH_PUBLIC_MAGIC, 255)},
      {"DH: truncated", BCRYPT_DH_PUBLIC_BLOB, std::vector<BYTE>(good_dh.begin(), good_dh.end() - 1)},
  };
  for (const auto& c : cases) {
    Handle key;
    auto blob = c.blob;
    EXPECT_STATUS(NTE_BAD_DATA, SslImportKey(p(), key.out(), c.type, blob.data(), static_cast<DWORD>(blob.size()), 0))
        << c.what;
    EXPECT_EQ(key.get(), 0u) << c.what;
  }
}

TEST_P(KeyExchangeErrors, OpaqueKeyBlobsAreSslp11sOwnAuthenticatedFormat) {
  // An opaque blob is an authenticated reference to a key on the token
  // (src/core/opaque_blobs.h; the full contract is tests/api/opaque_blob_test):
  // a blob the size of Microsoft's (80-byte header + key) is not one of ours.
  std::vector<BYTE> blob(80 + 48, 0x5A);
  Handle key;
  EXPECT_STATUS(NTE_BAD_DATA,
                SslImportKey(p(), key.out(), BCRYPT_OPAQUE_KEY_BLOB, blob.data(), static_cast<DWORD>(blob.size()), 0));
  EXPECT_EQ(key.get(), 0u);

  EcdheKeys k = make_ecdhe(p(), kEcdhe);
  Handle master = make_master(p(), k, kEcdhe, randoms_);
  Handle read, write;
  ParamList params = randoms_.list();
  ASSERT_OK(SslGenerateSessionKeys(p(), master.get(), read.out(), write.out(), params.desc(), 0));
  std::vector<BYTE> out(4096);
  for (NCRYPT_KEY_HANDLE secret : {master.get(), read.get(), write.get()}) {
    DWORD n = 0;
    EXPECT_OK(SslExportKey(p(), secret, BCRYPT_OPAQUE_KEY_BLOB, nullptr, 0, &n, 0));
    EXPECT_EQ(n, 72u);
    EXPECT_OK(SslExportKey(p(), secret, BCRYPT_OPAQUE_KEY_BLOB, out.data(), static_cast<DWORD>(out.size()), &n, 0));
    EXPECT_EQ(n, 72u);
    // §2.C [OBS]: master and session keys export only as OpaqueKeyBlob.
    EXPECT_STATUS(NTE_NOT_SUPPORTED,
                  SslExportKey(p(), secret, BCRYPT_ECCPUBLIC_BLOB, out.data(), static_cast<DWORD>(out.size()), &n, 0));
  }
}

// ---------------------------------------------------------------------------
// SslExportKey
// ---------------------------------------------------------------------------

TEST_P(KeyExchangeErrors, ExportKeySizeQueryAndShortBuffer) {
  for (const auto& [group, coordinate] : {std::pair<DWORD, DWORD>{23, 32}, {24, 48}}) {
    SCOPED_TRACE(group);
    Handle key;
    ASSERT_OK(SslCreateEphemeralKey(p(), key.out(), kTls12, kEcdhe, group, 0, nullptr, 0, 0));
    const DWORD size = sizeof(BCRYPT_ECCKEY_BLOB) + 2 * coordinate;
    DWORD n = 0;
    EXPECT_OK(SslExportKey(p(), key.get(), BCRYPT_ECCPUBLIC_BLOB, nullptr, 0, &n, 0));
    EXPECT_EQ(n, size);
    n = 0;
    EXPECT_OK(SslExportKey(p(), key.get(), BCRYPT_ECCPUBLIC_BLOB, nullptr, 12345, &n, 0));
    EXPECT_EQ(n, size) << "a NULL pbOutput is a size query whatever cbOutput says";

    std::vector<BYTE> out(size + 16, 0xEE);
    n = 0;
    EXPECT_STATUS(NTE_BUFFER_TOO_SMALL,
                  SslExportKey(p(), key.get(), BCRYPT_ECCPUBLIC_BLOB, out.data(), size - 1, &n, 0));
    EXPECT_EQ(n, size) << "*pcbResult must carry the required size";
    n = 0;
    EXPECT_STATUS(NTE_BUFFER_TOO_SMALL, SslExportKey(p(), key.get(), BCRYPT_ECCPUBLIC_BLOB, out.data(), 0, &n, 0));
    EXPECT_EQ(n, size);

    n = 0;
    ASSERT_OK(SslExportKey(p(), key.get(), BCRYPT_ECCPUBLIC_BLOB, out.data(), static_cast<DWORD>(out.size()), &n, 0));
    EXPECT_EQ(n, size);
    BCRYPT_ECCKEY_BLOB h;
    std::memcpy(&h, out.data(), sizeof h);
    EXPECT_EQ(h.dwMagic, group == 23 ? ULONG{BCRYPT_ECDH_PUBLIC_P256_MAGIC} : ULONG{BCRYPT_ECDH_PUBLIC_P384_MAGIC});
    EXPECT_EQ(h.cbKey, coordinate);
    EXPECT_EQ(out[size], 0xEE) << "wrote past the blob";
  }
}

TEST_P(KeyExchangeErrors, ExportKeyArgumentAndHandleErrors) {
  EcdheKeys k = make_ecdhe(p(), kEcdhe);
  ProviderHandle other(token());
  Handle foreign;
  ASSERT_OK(SslCreateEphemeralKey(other.get(), foreign.out(), kTls12, kEcdhe, 23, 256, nullptr, 0, 0));
  std::vector<BYTE> out(512);
  const DWORD cb = static_cast<DWORD>(out.size());
  DWORD n = 0;
  ASSERT_OK(SslExportKey(p(), k.own.get(), BCRYPT_ECCPUBLIC_BLOB, out.data(), cb, &n, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER,
                SslExportKey(p(), k.own.get(), BCRYPT_ECCPUBLIC_BLOB, out.data(), cb, nullptr, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslExportKey(p(), k.own.get(), BCRYPT_ECCPUBLIC_BLOB, out.data(), cb, &n, 1));
  const NCRYPT_HANDLE freed = k.peer_ephemeral.free_keep_value();
  for (NCRYPT_KEY_HANDLE bad : {NCRYPT_HANDLE{0}, kForgedHandle, freed, foreign.get(), p()}) {
    SCOPED_TRACE(bad);
    EXPECT_STATUS(NTE_INVALID_HANDLE, SslExportKey(p(), bad, BCRYPT_ECCPUBLIC_BLOB, out.data(), cb, &n, 0));
  }
  EXPECT_STATUS(NTE_INVALID_HANDLE,
                SslExportKey(kForgedHandle, k.own.get(), BCRYPT_ECCPUBLIC_BLOB, out.data(), cb, &n, 0));
}

// ---------------------------------------------------------------------------
// SslGenerateMasterKey
// ---------------------------------------------------------------------------

class GenerateMasterKeyErrors : public KeyExchangeErrors {
 protected:
  // ECDHE: SslGenerateMasterKey with the fixture's keys and `params`.
  SECURITY_STATUS generate(NCryptBufferDesc* params, DWORD flags = NCRYPT_SSL_CLIENT_FLAG, DWORD suite = kEcdhe,
                           DWORD protocol = kTls12) {
    return generate_with(keys_.own.get(), keys_.peer_public.get(), params, flags, suite, protocol);
  }
  SECURITY_STATUS generate_with(NCRYPT_KEY_HANDLE own, NCRYPT_KEY_HANDLE peer, NCryptBufferDesc* params,
                                DWORD flags = NCRYPT_SSL_CLIENT_FLAG, DWORD suite = kEcdhe, DWORD protocol = kTls12) {
    master_.reset();
    const SECURITY_STATUS s =
        SslGenerateMasterKey(p(), own, peer, master_.out(), protocol, suite, params, nullptr, 0, nullptr, flags);
    if (s != ERROR_SUCCESS) {
      EXPECT_EQ(master_.get(), 0u) << "a failing call returned a handle";
    }
    return s;
  }

  EcdheKeys keys_ = make_ecdhe(p(), kEcdhe);
  Handle master_;
};

TEST_P(GenerateMasterKeyErrors, TheBaselineSucceedsOnBothSides) {
  ParamList params = randoms_.list();
  EXPECT_OK(generate(params.desc(), NCRYPT_SSL_CLIENT_FLAG));
  EXPECT_NE(master_.get(), 0u);
  EXPECT_OK(generate(params.desc(), NCRYPT_SSL_SERVER_FLAG));
}

TEST_P(GenerateMasterKeyErrors, NullOutPointerOrParameterList) {
  ParamList params = randoms_.list();
  EXPECT_STATUS(NTE_INVALID_PARAMETER,
                SslGenerateMasterKey(p(), keys_.own.get(), keys_.peer_public.get(), nullptr, kTls12, kEcdhe,
                                     params.desc(), nullptr, 0, nullptr, NCRYPT_SSL_CLIENT_FLAG));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, generate(nullptr));
}

TEST_P(GenerateMasterKeyErrors, FlagsMustBeClientOrServer) {
  ParamList params = randoms_.list();
  for (DWORD flags : {0x0u, 0x4u, 0x10u, 0x5u, 0x80000001u}) {
    SCOPED_TRACE(flags);
    EXPECT_STATUS(NTE_BAD_FLAGS, generate(params.desc(), flags));
  }
}

TEST_P(GenerateMasterKeyErrors, ClientAndServerTogetherMeanClient) {
  ParamList params = randoms_.list();
  ASSERT_OK(generate(params.desc(), NCRYPT_SSL_CLIENT_FLAG | NCRYPT_SSL_SERVER_FLAG));
  // The role is not observable through the Ssl* functions available here (it
  // decides which session key reads); look behind the handle.
  auto entry = abi::HandleTable::instance().find(master_.get());
  ASSERT_NE(entry, nullptr);
  ASSERT_EQ(entry->kind, abi::HandleKind::master_key);
  EXPECT_EQ(entry->as<const core::MasterKey>().role, core::Role::client);
}

TEST_P(GenerateMasterKeyErrors, BadForeignAndWrongKindHandles) {
  ParamList params = randoms_.list();
  ASSERT_OK(generate(params.desc()));
  Handle a_master(master_.release());

  ProviderHandle other(token());
  EcdheKeys foreign = make_ecdhe(other.get(), kEcdhe);
  EcdheKeys spare = make_ecdhe(p(), kEcdhe);
  const NCRYPT_HANDLE freed_own = spare.own.free_keep_value();
  const NCRYPT_HANDLE freed_public = spare.peer_public.free_keep_value();

  struct Case {
    const char* what;
    NCRYPT_KEY_HANDLE own, peer;
  };
  const Case cases[] = {
      {"hPrivateKey 0", 0, keys_.peer_public.get()},
      {"hPublicKey 0", keys_.own.get(), 0},
      {"forged hPrivateKey", kForgedHandle, keys_.peer_public.get()},
      {"freed hPrivateKey", freed_own, keys_.peer_public.get()},
      {"freed hPublicKey", keys_.own.get(), freed_public},
      {"a master key as hPrivateKey", a_master.get(), keys_.peer_public.get()},
      {"a master key as hPublicKey", keys_.own.get(), a_master.get()},
      {"the provider as hPrivateKey", p(), keys_.peer_public.get()},
      {"hPrivateKey of another provider instance", foreign.own.get(), keys_.peer_public.get()},
      {"hPublicKey of another provider instance", keys_.own.get(), foreign.peer_public.get()},
  };
  for (const Case& c : cases) {
    EXPECT_STATUS(NTE_INVALID_HANDLE, generate_with(c.own, c.peer, params.desc())) << c.what;
  }

  EXPECT_STATUS(NTE_INVALID_HANDLE,
                SslGenerateMasterKey(kForgedHandle, keys_.own.get(), keys_.peer_public.get(), master_.out(), kTls12,
                                     kEcdhe, params.desc(), nullptr, 0, nullptr, NCRYPT_SSL_CLIENT_FLAG));
}

TEST_P(GenerateMasterKeyErrors, UnknownSuiteOrProtocolIsNotSupported) {
  ParamList params = randoms_.list();
  EXPECT_STATUS(NTE_NOT_SUPPORTED, generate(params.desc(), NCRYPT_SSL_CLIENT_FLAG, kUnknownSuite));
  EXPECT_STATUS(NTE_NOT_SUPPORTED, generate(params.desc(), NCRYPT_SSL_CLIENT_FLAG, kEcdhe, TLS1_0_PROTOCOL_VERSION));
  EXPECT_STATUS(NTE_NOT_SUPPORTED, generate(params.desc(), NCRYPT_SSL_CLIENT_FLAG, kEcdhe, SSL2_PROTOCOL_VERSION));
}

TEST_P(GenerateMasterKeyErrors, MalformedParameterListsAreInvalidParameter) {
  for (const auto& m : malformed_lists()) {
    ParamList params = randoms_.list();
    NCryptBufferDesc* d = params.desc();
    m.spoil(*d);
    EXPECT_STATUS(NTE_INVALID_PARAMETER, generate(d)) << m.what;
  }
}

TEST_P(GenerateMasterKeyErrors, MissingOrShortRandomsAreInvalidParameter) {
  for (const auto& b : bad_randoms()) {
    ParamList params = b.make(randoms_);
    EXPECT_STATUS(NTE_INVALID_PARAMETER, generate(params.desc())) << b.what;
  }
}

TEST_P(GenerateMasterKeyErrors, TheSessionHashMustHaveThePrfHashLength) {
  std::array<BYTE, 64> hash{};
  hash.fill(0x77);
  const DWORD version = kTls12;
  auto ems = [&](ULONG hash_bytes) {
    ParamList p;
    p.add(NCRYPTBUFFER_SSL_SESSION_HASH, hash.data(), hash_bytes).add(NCRYPTBUFFER_SSL_HIGHEST_VERSION, &version, 4);
    return p;
  };
  {
    ParamList good = ems(32);
    EXPECT_OK(generate(good.desc()));  // EMS: no randoms needed (§3.6)
  }
  for (ULONG wrong : {0u, 20u, 31u, 33u, 48u}) {
    ParamList bad = ems(wrong);
    EXPECT_STATUS(NTE_INVALID_PARAMETER, generate(bad.desc())) << wrong << "-byte session hash, SHA-256 PRF";
  }
  EcdheKeys k384 = make_ecdhe(p(), kEcdhe384, TLS_ECC_P384_CURVE_KEY_TYPE);
  {
    ParamList good = ems(48);
    EXPECT_OK(generate_with(k384.own.get(), k384.peer_public.get(), good.desc(), NCRYPT_SSL_CLIENT_FLAG, kEcdhe384));
    ParamList bad = ems(32);
    EXPECT_STATUS(NTE_INVALID_PARAMETER,
                  generate_with(k384.own.get(), k384.peer_public.get(), bad.desc(), NCRYPT_SSL_CLIENT_FLAG, kEcdhe384))
        << "32-byte session hash, SHA-384 PRF";
  }
}

TEST_P(GenerateMasterKeyErrors, RsaKeyExchange) {
  TokenRsaKey rsa(token());
  Handle server = import_rsa_public(p(), rsa);
  const DWORD version = kTls12;
  ParamList params = randoms_.list();
  params.add(NCRYPTBUFFER_SSL_HIGHEST_VERSION, &version, 4);
  std::vector<BYTE> out(rsa.modulus_bytes());

  // §2.D [OBS] (3): the server side of RSA key exchange is SslImportMasterKey.
  DWORD n = 0;
  EXPECT_STATUS(NTE_NOT_SUPPORTED,
                SslGenerateMasterKey(p(), 0, server.get(), master_.out(), kTls12, kRsa, params.desc(), out.data(),
                                     static_cast<DWORD>(out.size()), &n, NCRYPT_SSL_SERVER_FLAG));
  EXPECT_EQ(master_.get(), 0u);

  // §2.D [INF]: a size query makes no key; success or NTE_BUFFER_TOO_SMALL are both seen.
  n = 0;
  const SECURITY_STATUS query = SslGenerateMasterKey(p(), 0, server.get(), master_.out(), kTls12, kRsa, params.desc(),
                                                     nullptr, 0, &n, NCRYPT_SSL_CLIENT_FLAG);
  EXPECT_TRUE(query == ERROR_SUCCESS || query == NTE_BUFFER_TOO_SMALL) << status_name(query);
  EXPECT_EQ(n, rsa.modulus_bytes());
  EXPECT_EQ(master_.get(), 0u) << "the size query made a master key";

  n = 0;
  ASSERT_OK(SslGenerateMasterKey(p(), 0, server.get(), master_.out(), kTls12, kRsa, params.desc(), out.data(),
                                 static_cast<DWORD>(out.size()), &n, NCRYPT_SSL_CLIENT_FLAG));
  EXPECT_EQ(n, rsa.modulus_bytes());

  // An EC public key is the wrong kind of key for RSA key exchange.
  EXPECT_STATUS(NTE_INVALID_HANDLE,
                SslGenerateMasterKey(p(), 0, keys_.peer_public.get(), master_.out(), kTls12, kRsa, params.desc(),
                                     out.data(), static_cast<DWORD>(out.size()), &n, NCRYPT_SSL_CLIENT_FLAG));
}

// ---------------------------------------------------------------------------
// SslGeneratePreMasterKey and SslImportMasterKey (RSA key exchange)
// ---------------------------------------------------------------------------

class RsaKeyExchangeErrors : public KeyExchangeErrors {
 protected:
  void SetUp() override {
    version_ = kTls12;
    server_public_ = import_rsa_public(p(), rsa_);
    ASSERT_OK(SslOpenPrivateKey(p(), server_private_.out(), rsa_.cert_context(), 0));
    encrypted_.resize(rsa_.modulus_bytes());
    ParamList v = version_list();
    DWORD n = 0;
    Handle pms;
    ASSERT_OK(SslGeneratePreMasterKey(p(), server_public_.get(), pms.out(), kTls12, kRsa, v.desc(), encrypted_.data(),
                                      static_cast<DWORD>(encrypted_.size()), &n, NCRYPT_SSL_CLIENT_FLAG));
    ASSERT_EQ(n, rsa_.modulus_bytes());
  }

  ParamList version_list() {
    ParamList l;
    l.add(NCRYPTBUFFER_SSL_HIGHEST_VERSION, &version_, 4);
    return l;
  }
  // {CLIENT_RANDOM, SERVER_RANDOM, HIGHEST_VERSION}
  ParamList full_list() {
    ParamList l = randoms_.list();
    l.add(NCRYPTBUFFER_SSL_HIGHEST_VERSION, &version_, 4);
    return l;
  }

  SECURITY_STATUS pre_master(NCryptBufferDesc* params, NCRYPT_KEY_HANDLE server, DWORD flags = NCRYPT_SSL_CLIENT_FLAG,
                             DWORD suite = kRsa, DWORD protocol = kTls12) {
    Handle pms;
    std::vector<BYTE> out(rsa_.modulus_bytes());
    DWORD n = 0;
    const SECURITY_STATUS s = SslGeneratePreMasterKey(p(), server, pms.out(), protocol, suite, params, out.data(),
                                                      static_cast<DWORD>(out.size()), &n, flags);
    if (s != ERROR_SUCCESS) {
      EXPECT_EQ(pms.get(), 0u) << "a failing call returned a handle";
    }
    return s;
  }

  SECURITY_STATUS import_master(NCryptBufferDesc* params, NCRYPT_KEY_HANDLE key, DWORD flags = NCRYPT_SSL_SERVER_FLAG,
                                DWORD suite = kRsa, DWORD protocol = kTls12) {
    Handle master;
    const SECURITY_STATUS s = SslImportMasterKey(p(), key, master.out(), protocol, suite, params, encrypted_.data(),
                                                 static_cast<DWORD>(encrypted_.size()), flags);
    if (s != ERROR_SUCCESS) {
      EXPECT_EQ(master.get(), 0u) << "a failing call returned a handle";
    }
    return s;
  }

  DWORD version_ = 0;
  TokenRsaKey rsa_{GetParam()};
  Handle server_public_;
  Handle server_private_;
  std::vector<BYTE> encrypted_;
};

TEST_P(RsaKeyExchangeErrors, PreMasterKeyArguments) {
  ParamList v = version_list();
  ASSERT_OK(pre_master(v.desc(), server_public_.get()));
  ASSERT_OK(pre_master(v.desc(), server_public_.get(), 0));

  std::vector<BYTE> out(rsa_.modulus_bytes());
  DWORD n = 0;
  EXPECT_STATUS(NTE_INVALID_PARAMETER,
                SslGeneratePreMasterKey(p(), server_public_.get(), nullptr, kTls12, kRsa, v.desc(), out.data(),
                                        static_cast<DWORD>(out.size()), &n, NCRYPT_SSL_CLIENT_FLAG));
  Handle pms;
  EXPECT_STATUS(NTE_INVALID_PARAMETER,
                SslGeneratePreMasterKey(p(), server_public_.get(), pms.out(), kTls12, kRsa, v.desc(), out.data(),
                                        static_cast<DWORD>(out.size()), nullptr, NCRYPT_SSL_CLIENT_FLAG));
  for (DWORD flags : {0x4u, 0x10u, 0x80000000u}) {
    SCOPED_TRACE(flags);
    EXPECT_STATUS(NTE_BAD_FLAGS, pre_master(v.desc(), server_public_.get(), flags));
  }
  EXPECT_STATUS(NTE_NOT_SUPPORTED, pre_master(v.desc(), server_public_.get(), NCRYPT_SSL_CLIENT_FLAG, kUnknownSuite));
  EXPECT_STATUS(NTE_NOT_SUPPORTED,
                pre_master(v.desc(), server_public_.get(), NCRYPT_SSL_CLIENT_FLAG, kRsa, TLS1_0_PROTOCOL_VERSION));

  // Size query: the ciphertext length, and no pre-master made.
  n = 0;
  EXPECT_OK(SslGeneratePreMasterKey(p(), server_public_.get(), pms.out(), kTls12, kRsa, v.desc(), nullptr, 0, &n,
                                    NCRYPT_SSL_CLIENT_FLAG));
  EXPECT_EQ(n, rsa_.modulus_bytes());
  EXPECT_EQ(pms.get(), 0u);
  n = 0;
  EXPECT_STATUS(NTE_BUFFER_TOO_SMALL,
                SslGeneratePreMasterKey(p(), server_public_.get(), pms.out(), kTls12, kRsa, v.desc(), out.data(),
                                        static_cast<DWORD>(out.size() - 1), &n, NCRYPT_SSL_CLIENT_FLAG));
  EXPECT_EQ(n, rsa_.modulus_bytes());
}

TEST_P(RsaKeyExchangeErrors, PreMasterKeyHandles) {
  ParamList v = version_list();
  ProviderHandle other(token());
  Handle foreign_public = import_rsa_public(other.get(), rsa_);
  EcdheKeys ec = make_ecdhe(p(), kEcdhe);
  Handle doomed = import_rsa_public(p(), rsa_);
  const NCRYPT_HANDLE freed = doomed.free_keep_value();
  struct Case {
    const char* what;
    NCRYPT_KEY_HANDLE key;
  };
  const Case cases[] = {
      {"0", 0},
      {"forged", kForgedHandle},
      {"freed", freed},
      {"an EC public key", ec.peer_public.get()},
      {"an ephemeral key", ec.own.get()},
      {"the private key", server_private_.get()},
      {"the provider", p()},
      {"an RSA public key of another provider instance", foreign_public.get()},
  };
  for (const Case& c : cases) {
    EXPECT_STATUS(NTE_INVALID_HANDLE, pre_master(v.desc(), c.key)) << c.what;
  }
}

TEST_P(RsaKeyExchangeErrors, PreMasterKeyParameterLists) {
  for (const auto& m : malformed_lists()) {
    ParamList params = full_list();
    NCryptBufferDesc* d = params.desc();
    m.spoil(*d);
    EXPECT_STATUS(NTE_INVALID_PARAMETER, pre_master(d, server_public_.get())) << m.what;
  }
}

TEST_P(RsaKeyExchangeErrors, ImportMasterKeyArguments) {
  ParamList full = full_list();
  ASSERT_OK(import_master(full.desc(), server_private_.get()));
  ASSERT_OK(import_master(full.desc(), server_private_.get(), 0));
  Handle master;
  EXPECT_STATUS(NTE_INVALID_PARAMETER,
                SslImportMasterKey(p(), server_private_.get(), nullptr, kTls12, kRsa, full.desc(), encrypted_.data(),
                                   static_cast<DWORD>(encrypted_.size()), NCRYPT_SSL_SERVER_FLAG));
  for (DWORD flags : {0x4u, 0x10u, 0x80000002u}) {
    SCOPED_TRACE(flags);
    EXPECT_STATUS(NTE_BAD_FLAGS, import_master(full.desc(), server_private_.get(), flags));
  }
  EXPECT_STATUS(NTE_NOT_SUPPORTED,
                import_master(full.desc(), server_private_.get(), NCRYPT_SSL_SERVER_FLAG, kUnknownSuite));
  EXPECT_STATUS(NTE_NOT_SUPPORTED, import_master(full.desc(), server_private_.get(), NCRYPT_SSL_SERVER_FLAG, kRsa,
                                                 TLS1_0_PROTOCOL_VERSION));
  EXPECT_STATUS(NTE_INVALID_HANDLE,
                SslImportMasterKey(kForgedHandle, server_private_.get(), master.out(), kTls12, kRsa, full.desc(),
                                   encrypted_.data(), static_cast<DWORD>(encrypted_.size()), NCRYPT_SSL_SERVER_FLAG));
}

TEST_P(RsaKeyExchangeErrors, ImportMasterKeyHandles) {
  ParamList full = full_list();
  ProviderHandle other(token());
  Handle foreign_private;
  ASSERT_OK(SslOpenPrivateKey(other.get(), foreign_private.out(), rsa_.cert_context(), 0));
  Handle doomed;
  ASSERT_OK(SslOpenPrivateKey(p(), doomed.out(), rsa_.cert_context(), 0));
  const NCRYPT_HANDLE freed = doomed.free_keep_value();
  EcdheKeys ec = make_ecdhe(p(), kEcdhe);
  Handle a_master = make_master(p(), ec, kEcdhe, randoms_);
  struct Case {
    const char* what;
    NCRYPT_KEY_HANDLE key;
  };
  const Case cases[] = {
      {"0", 0},
      {"forged", kForgedHandle},
      {"a freed private key", freed},
      {"an ephemeral key", ec.own.get()},
      {"the server's public key", server_public_.get()},
      {"a master key", a_master.get()},
      {"the provider", p()},
      {"a private key opened on another provider instance", foreign_private.get()},
  };
  for (const Case& c : cases) {
    EXPECT_STATUS(NTE_INVALID_HANDLE, import_master(full.desc(), c.key)) << c.what;
  }
}

TEST_P(RsaKeyExchangeErrors, ImportMasterKeyParameterLists) {
  for (const auto& m : malformed_lists()) {
    ParamList params = full_list();
    NCryptBufferDesc* d = params.desc();
    m.spoil(*d);
    EXPECT_STATUS(NTE_INVALID_PARAMETER, import_master(d, server_private_.get())) << m.what;
  }
  for (const auto& b : bad_randoms()) {
    ParamList params = b.make(randoms_);
    params.add(NCRYPTBUFFER_SSL_HIGHEST_VERSION, &version_, 4);
    EXPECT_STATUS(NTE_INVALID_PARAMETER, import_master(params.desc(), server_private_.get())) << b.what;
  }
  EXPECT_STATUS(NTE_INVALID_PARAMETER, import_master(nullptr, server_private_.get())) << "NULL parameter list";
  std::array<BYTE, 48> hash{};
  for (ULONG wrong : {20u, 31u, 48u}) {
    ParamList ems;
    ems.add(NCRYPTBUFFER_SSL_SESSION_HASH, hash.data(), wrong).add(NCRYPTBUFFER_SSL_HIGHEST_VERSION, &version_, 4);
    EXPECT_STATUS(NTE_INVALID_PARAMETER, import_master(ems.desc(), server_private_.get()))
        << wrong << "-byte session hash, SHA-256 PRF";
  }
  ParamList ems;
  ems.add(NCRYPTBUFFER_SSL_SESSION_HASH, hash.data(), 32).add(NCRYPTBUFFER_SSL_HIGHEST_VERSION, &version_, 4);
  EXPECT_OK(import_master(ems.desc(), server_private_.get()));
}

INSTANTIATE_TEST_SUITE_P(Tokens, KeyExchangeErrors, ::testing::ValuesIn(TestTokens::all()), TokenName{});
INSTANTIATE_TEST_SUITE_P(Tokens, GenerateMasterKeyErrors, ::testing::ValuesIn(TestTokens::all()), TokenName{});
INSTANTIATE_TEST_SUITE_P(Tokens, RsaKeyExchangeErrors, ::testing::ValuesIn(TestTokens::all()), TokenName{});

}  // namespace
}  // namespace sslp11::test
