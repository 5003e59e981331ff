// Provider lifecycle and properties: SslOpenProvider, SslFreeObject,
// SslFreeBuffer, the reference counts, SslEnumProtocolProviders,
// SslGetProviderProperty, SslGetKeyProperty, SslChangeNotify.
#include <atomic>
#include <cstring>
#include <vector>

#include "abi/allocations.h"
#include "abi/guard.h"
#include "abi/handles.h"
#include "abi/provider_open.h"
#include "abi/tls13_keys.h"
#include "abi/wide.h"

using namespace sslp11;
using namespace sslp11::abi;

namespace {

// Hands a property value to the caller in memory SslFreeBuffer accepts.
void return_bytes(const void* data, std::size_t size, PBYTE* out, DWORD* out_size) {
  auto* p = static_cast<PBYTE>(allocate_for_caller(size));
  std::memcpy(p, data, size);
  *out = p;
  *out_size = static_cast<DWORD>(size);
}

void return_wide(std::u16string_view s, PBYTE* out, DWORD* out_size) {
  std::u16string z(s);
  return_bytes(z.c_str(), (z.size() + 1) * sizeof(char16_t), out, out_size);
}

void return_dword(DWORD v, PBYTE* out, DWORD* out_size) { return_bytes(&v, sizeof v, out, out_size); }

std::u16string_view path_name(p11::DerivationPath t) { return t == p11::DerivationPath::native ? u"native" : u"composed"; }

void release_provider_reference(NCRYPT_PROV_HANDLE h, Owner& provider) {
  // Two threads may both have found the handle: the one that finds the count
  // already at 0 lost the race, and must not take it below 0.
  std::atomic<int>& refs = provider.references;
  int n = refs.load();
  do {
    if (n <= 0) fail(NTE_INVALID_HANDLE, "not a live sslp11 handle");
  } while (!refs.compare_exchange_weak(n, n - 1));
  if (n == 1) {
    provider.open.store(false, std::memory_order_release);
    HandleTable::instance().remove(h);
  }
}

}  // namespace

extern "C" {

SECURITY_STATUS WINAPI SslOpenProvider(NCRYPT_PROV_HANDLE* phSslProvider, LPCWSTR pszProviderName, DWORD dwFlags) {
  return guarded(call_args("dwFlags", dwFlags), [&] {
    if (phSslProvider == nullptr) fail(NTE_INVALID_PARAMETER, "phSslProvider is NULL");
    *phSslProvider = 0;
    if (dwFlags != 0) fail(NTE_INVALID_PARAMETER, "SslOpenProvider takes no flags");
    if (!names_this_provider(pszProviderName)) {
      fail(STATUS_NOT_FOUND, "no SSL protocol provider of that name (sslp11 answers to NULL, MS_SCHANNEL_PROVIDER "
                             "and SSLP11_PROVIDER_NAME)");
    }
    *phSslProvider = publish_provider(std::make_shared<core::Provider>(open_configured_pool()));
  });
}

SECURITY_STATUS WINAPI SslFreeObject(NCRYPT_HANDLE hObject, DWORD dwFlags) {
  return guarded(call_args("hObject", hObject, "dwFlags", dwFlags), [&] {
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "SslFreeObject takes no flags");
    auto entry = HandleTable::instance().find(hObject);
    if (!entry) fail(NTE_INVALID_HANDLE, "not a live sslp11 handle");
    if (entry->kind == HandleKind::provider) {
      release_provider_reference(hObject, *entry->owner);
      return;
    }
    // Two threads freeing one handle both get past find(); only the one whose
    // remove() takes the object succeeds (found by tests/stress).
    if (!HandleTable::instance().remove(hObject)) fail(NTE_INVALID_HANDLE, "not a live sslp11 handle");
    // The token objects go when the last in-flight call using the key ends.
  });
}

SECURITY_STATUS WINAPI SslIncrementProviderReferenceCount(NCRYPT_PROV_HANDLE hSslProvider) {
  return guarded(call_args("hSslProvider", hSslProvider),
                 [&] { provider_from(hSslProvider).owner()->references.fetch_add(1); });
}

SECURITY_STATUS WINAPI SslDecrementProviderReferenceCount(NCRYPT_PROV_HANDLE hSslProvider) {
  const SECURITY_STATUS status = guarded(call_args("hSslProvider", hSslProvider), [&] {
    release_provider_reference(hSslProvider, *provider_from(hSslProvider).owner());
  });
  // Documented: an invalid handle here is the NTSTATUS, not the NTE code.
  return status == NTE_INVALID_HANDLE ? STATUS_INVALID_HANDLE : status;
}

SECURITY_STATUS WINAPI SslFreeBuffer(PVOID pvInput) {
  return guarded([&] {
    if (pvInput == nullptr) fail(NTE_INVALID_PARAMETER, "SslFreeBuffer(NULL)");
    if (!release_from_caller(pvInput)) fail(NTE_INVALID_PARAMETER, "the pointer was not returned by sslp11");
  });
}

SECURITY_STATUS WINAPI SslChangeNotify(HANDLE, DWORD) { return NTE_NOT_SUPPORTED; }

SECURITY_STATUS WINAPI SslEnumProtocolProviders(DWORD* pdwProviderCount, NCryptProviderName** ppProviderList,
                                                DWORD dwFlags) {
  return guarded(call_args("dwFlags", dwFlags), [&] {
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "SslEnumProtocolProviders takes no flags");
    if (pdwProviderCount == nullptr || ppProviderList == nullptr) fail(NTE_INVALID_PARAMETER, "NULL out pointer");
    // One block: the array, then the strings it points at, freed by one SslFreeBuffer.
    const std::u16string_view name = SSLP11_PROVIDER_NAME;
    const std::u16string_view comment = u"sslp11: TLS key schedule and records inside a PKCS#11 token";
    const std::size_t size = sizeof(NCryptProviderName) + (name.size() + 1 + comment.size() + 1) * sizeof(WCHAR);
    auto* block = static_cast<std::uint8_t*>(allocate_for_caller(size));
    auto* entry = reinterpret_cast<NCryptProviderName*>(block);
    auto* strings = reinterpret_cast<WCHAR*>(block + sizeof(NCryptProviderName));
    copy_wide(name, strings, name.size() + 1);
    entry->pszName = strings;
    copy_wide(comment, strings + name.size() + 1, comment.size() + 1);
    entry->pszComment = strings + name.size() + 1;
    *ppProviderList = entry;
    *pdwProviderCount = 1;
  });
}

SECURITY_STATUS WINAPI SslGetProviderProperty(NCRYPT_PROV_HANDLE hSslProvider, LPCWSTR pszProperty, PBYTE* ppbOutput,
                                              DWORD* pcbOutput, PVOID* ppEnumState, DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "SslGetProviderProperty takes no flags");
    if (pszProperty == nullptr || ppbOutput == nullptr || pcbOutput == nullptr) {
      fail(NTE_INVALID_PARAMETER, "NULL property name or out pointer");
    }
    if (ppEnumState != nullptr && *ppEnumState != nullptr) {
      fail(NTE_INVALID_PARAMETER, "sslp11 has no multi-valued provider properties to enumerate");
    }
    const auto name = wide_view(pszProperty);
    const auto& token = provider->token();
    if (name == std::u16string_view(SSLP11_DERIVATION_PATH_PROPERTY)) {
      return_wide(path_name(token->path()), ppbOutput, pcbOutput);
    } else if (name == std::u16string_view(SSLP11_TOKEN_LABEL_PROPERTY)) {
      return_wide(to_wide(token->slot().label), ppbOutput, pcbOutput);
    } else if (name == std::u16string_view(NCRYPT_NAME_PROPERTY)) {
      return_wide(SSLP11_PROVIDER_NAME, ppbOutput, pcbOutput);
    } else {
      fail(NTE_NOT_SUPPORTED, "unknown provider property");
    }
  });
}

SECURITY_STATUS WINAPI SslGetKeyProperty(NCRYPT_KEY_HANDLE hKey, LPCWSTR pszProperty, PBYTE* ppbOutput,
                                         DWORD* pcbOutput, DWORD dwFlags) {
  return guarded(call_args("hKey", hKey, "dwFlags", dwFlags), [&] {
    auto entry = HandleTable::instance().find(hKey);
    if (!entry || entry->kind == HandleKind::provider || entry->kind == HandleKind::hash) {
      fail(NTE_INVALID_HANDLE, "not a live sslp11 key handle");
    }
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "SslGetKeyProperty takes no flags");
    if (pszProperty == nullptr || ppbOutput == nullptr || pcbOutput == nullptr) {
      fail(NTE_INVALID_PARAMETER, "NULL property name or out pointer");
    }
    const auto name = wide_view(pszProperty);
    DWORD key_type = 0;
    DWORD bits = 0;
    std::u16string_view algorithm;
    std::optional<p11::DerivationPath> path;
    switch (entry->kind) {
      case HandleKind::ephemeral_key: {
        const auto& k = entry->as<const core::EphemeralKey>();
        if (k.kind == core::ExchangeKind::ec) {
          key_type = k.curve->group;
          bits = k.curve->bits;
          algorithm = BCRYPT_ECDH_ALGORITHM;
        } else {
          bits = static_cast<DWORD>(k.prime.size() * 8);
          algorithm = BCRYPT_DH_ALGORITHM;
        }
        break;
      }
      case HandleKind::public_key: {
        const auto& k = entry->as<const core::PublicKey>();
        if (k.kind == core::ExchangeKind::ec) {
          key_type = k.curve->group;
          bits = k.curve->bits;
          algorithm = BCRYPT_ECDH_ALGORITHM;
        } else if (k.kind == core::ExchangeKind::dh) {
          bits = static_cast<DWORD>(k.prime.size() * 8);
          algorithm = BCRYPT_DH_ALGORITHM;
        } else {
          bits = static_cast<DWORD>(k.modulus.size() * 8);
          algorithm = BCRYPT_RSA_ALGORITHM;
        }
        break;
      }
      case HandleKind::private_key: {
        const auto& k = entry->as<const core::PrivateKey>();
        bits = k.bits;
        algorithm = k.key_type == CKK_RSA ? std::u16string_view(BCRYPT_RSA_ALGORITHM) : BCRYPT_ECDSA_ALGORITHM;
        break;
      }
      case HandleKind::master_key:
        bits = 48 * 8;
        path = entry->as<const core::MasterKey>().path;
        break;
      case HandleKind::session_key: {
        const auto& k = entry->as<const core::SessionKey>();
        bits = k.suite->key_bytes * 8;
        algorithm = k.suite->cipher == core::BulkCipher::chacha20_poly1305 ? u"CHACHA20_POLY1305" : u"AES";
        path = k.path;
        break;
      }
      case HandleKind::pre_master_key:
        bits = 48 * 8;
        break;
      case HandleKind::tls13_secret: {
        const auto& k = entry->as<const Tls13SecretKey>().secret;
        bits = k.suite->hash_bytes() * 8;
        path = k.path;
        break;
      }
      default:
        break;
    }
    if (name == std::u16string_view(SSL_KEY_TYPE_PROPERTY)) {
      return_dword(key_type, ppbOutput, pcbOutput);
    } else if (name == std::u16string_view(NCRYPT_LENGTH_PROPERTY)) {
      return_dword(bits, ppbOutput, pcbOutput);
    } else if (name == std::u16string_view(NCRYPT_ALGORITHM_PROPERTY) && !algorithm.empty()) {
      return_wide(algorithm, ppbOutput, pcbOutput);
    } else if (name == std::u16string_view(SSLP11_DERIVATION_PATH_PROPERTY) && path) {
      return_wide(path_name(*path), ppbOutput, pcbOutput);
    } else {
      fail(NTE_NOT_SUPPORTED, "the key has no such property");
    }
  });
}

}  // extern "C"
