#include "abi/handles.h"

namespace sslp11::abi {

ProviderRef provider_from(NCRYPT_PROV_HANDLE h) {
  auto entry = HandleTable::instance().find(h);
  if (!entry || entry->kind != HandleKind::provider) {
    fail(NTE_INVALID_HANDLE, "the handle is not a live sslp11 provider handle");
  }
  return ProviderRef(std::move(entry), h);
}

void require_alive(const p11::Object& object, const char* what) {
  if (!object.alive()) {
    fail(NTE_BAD_KEY_STATE, std::string("the ") + what +
                                " no longer exists on the token (its session was lost); start a new handshake");
  }
}

const core::CipherSuite& offered_suite(const core::Provider& provider, DWORD protocol, DWORD suite) {
  if (!core::protocol_supported(protocol)) fail(NTE_NOT_SUPPORTED, "sslp11 runs the TLS 1.2 (0x0303) key schedule only");
  const core::CipherSuite* s = provider.token()->offered_suite(suite);
  if (s == nullptr) fail(NTE_NOT_SUPPORTED, provider.token()->why_not_offered(suite));
  return *s;
}

std::shared_ptr<core::MasterKey> live_master_from(NCRYPT_KEY_HANDLE h, const ProviderRef& provider) {
  auto master = key_from<core::MasterKey>(h, provider);
  require_alive(master->secret, "master key");
  return master;
}

bool output_wanted(std::size_t size, PBYTE out, DWORD cb_out, DWORD* pcb_result) {
  *pcb_result = static_cast<DWORD>(size);
  if (out == nullptr) return false;
  if (cb_out < size) fail(NTE_BUFFER_TOO_SMALL, "the output buffer is too small");
  return true;
}

NCRYPT_PROV_HANDLE publish_provider(std::shared_ptr<core::Provider> provider) {
  auto owner = std::make_shared<Owner>();
  const NCRYPT_PROV_HANDLE h = HandleTable::instance().insert(std::move(provider), owner);
  owner->handle.store(h, std::memory_order_release);
  return h;
}

}  // namespace sslp11::abi
