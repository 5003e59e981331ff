// The diagnostic part of the extension API (include/sslp11/sslp11.h):
// Sslp11GetExtensionVersion, Sslp11GetLastErrorText, Sslp11GetStatusName,
// Sslp11CountTokenObjects, Sslp11CountLiveHandles.
#include <sslp11/sslp11.h>

#include <cstring>

#include "abi/guard.h"
#include "abi/handles.h"

using namespace sslp11;
using namespace sslp11::abi;

extern "C" {

SSLP11_API DWORD WINAPI Sslp11GetExtensionVersion(void) { return SSLP11_EXTENSION_VERSION; }

SSLP11_API SECURITY_STATUS WINAPI Sslp11GetLastErrorText(char* pszText, DWORD cbText, DWORD* pcbResult,
                                                         DWORD dwFlags) {
  // Refusals are returned, not thrown: guarded() would record them as the
  // last error and replace the very text the caller is asking for.
  SECURITY_STATUS refusal = ERROR_SUCCESS;
  const SECURITY_STATUS status = guarded(call_args("cbText", cbText, "dwFlags", dwFlags), [&] {
    if (pcbResult == nullptr) {
      refusal = NTE_INVALID_PARAMETER;
      return;
    }
    const std::string text = last_error_message();
    *pcbResult = static_cast<DWORD>(text.size() + 1);
    if (dwFlags != 0) {
      refusal = NTE_BAD_FLAGS;
    } else if (pszText != nullptr && cbText < text.size() + 1) {
      refusal = NTE_BUFFER_TOO_SMALL;
    } else if (pszText != nullptr) {
      std::memcpy(pszText, text.c_str(), text.size() + 1);
    }
  });
  return status != ERROR_SUCCESS ? status : refusal;
}

SSLP11_API const char* WINAPI Sslp11GetStatusName(SECURITY_STATUS status) { return abi::status_name(status); }

SSLP11_API SECURITY_STATUS WINAPI Sslp11CountTokenObjects(NCRYPT_PROV_HANDLE hSslProvider, DWORD* pcObjects,
                                                          DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "dwFlags", dwFlags), [&] {
    if (pcObjects == nullptr) fail(NTE_INVALID_PARAMETER, "pcObjects is NULL");
    *pcObjects = 0;
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "Sslp11CountTokenObjects takes no flags");
    const auto provider = provider_from(hSslProvider);
    const auto& pool = provider->token()->pool();
    // The empty template finds every object this session can see.
    *pcObjects = static_cast<DWORD>(
        pool->run([](p11::Lease& lease) { return lease.api().find_objects(lease.handle(), {}).size(); }));
  });
}

SSLP11_API SECURITY_STATUS WINAPI Sslp11CountLiveHandles(DWORD* pcHandles, DWORD dwFlags) {
  return guarded(call_args("dwFlags", dwFlags), [&] {
    if (pcHandles == nullptr) fail(NTE_INVALID_PARAMETER, "pcHandles is NULL");
    *pcHandles = 0;
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "Sslp11CountLiveHandles takes no flags");
    *pcHandles = static_cast<DWORD>(HandleTable::instance().size());
  });
}

}  // extern "C"
