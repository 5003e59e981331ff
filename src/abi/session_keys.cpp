// SslGenerateSessionKeys: validate, then the key block on the token.
#include <cstring>

#include "abi/buffer_desc.h"
#include "abi/guard.h"
#include "abi/handles.h"
#include "core/session_keys.h"

using namespace sslp11;
using namespace sslp11::abi;

extern "C" SECURITY_STATUS WINAPI SslGenerateSessionKeys(NCRYPT_PROV_HANDLE hSslProvider, NCRYPT_KEY_HANDLE hMasterKey,
                                                         NCRYPT_KEY_HANDLE* phReadKey, NCRYPT_KEY_HANDLE* phWriteKey,
                                                         PNCryptBufferDesc pParameterList, DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "hMasterKey", hMasterKey, "dwFlags", dwFlags), [&] {
    auto provider = provider_from(hSslProvider);
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "SslGenerateSessionKeys takes no flags");
    if (phReadKey == nullptr || phWriteKey == nullptr) fail(NTE_INVALID_PARAMETER, "phReadKey or phWriteKey is NULL");
    *phReadKey = 0;
    *phWriteKey = 0;
    auto master = key_from<core::MasterKey>(hMasterKey, provider);
    const ParameterList params(pParameterList);
    core::Random client, server;
    const auto cr = params.require(NCRYPTBUFFER_SSL_CLIENT_RANDOM, 32, "NCRYPTBUFFER_SSL_CLIENT_RANDOM");
    const auto sr = params.require(NCRYPTBUFFER_SSL_SERVER_RANDOM, 32, "NCRYPTBUFFER_SSL_SERVER_RANDOM");
    std::memcpy(client.data(), cr.data(), 32);
    std::memcpy(server.data(), sr.data(), 32);
    require_alive(master->secret, "master key");
    auto keys = core::generate_session_keys(*master, client, server);
    const NCRYPT_KEY_HANDLE read = publish(std::move(keys.read), provider);
    try {
      *phWriteKey = publish(std::move(keys.write), provider);
    } catch (...) {
      HandleTable::instance().remove(read);
      throw;
    }
    *phReadKey = read;
  });
}
