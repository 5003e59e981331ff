#include "abi/handles.h"

namespace sslp11::abi {

std::shared_ptr<core::Provider> provider_from(NCRYPT_PROV_HANDLE h) {
  auto object = core::HandleTable::instance().find(h);
  if (!object || object->kind() != core::ObjectKind::provider) {
    fail(NTE_INVALID_HANDLE, "the handle is not a live sslp11 provider handle");
  }
  return std::static_pointer_cast<core::Provider>(std::move(object));
}

void require_alive(const p11::Object& object, const char* what) {
  if (!object.alive()) {
    fail(NTE_BAD_KEY_STATE, std::string("the ") + what +
                                " no longer exists on the token (its session was lost); start a new handshake");
  }
}

NCRYPT_KEY_HANDLE publish(std::shared_ptr<core::HandleObject> object) {
  return core::HandleTable::instance().insert(std::move(object));
}

const core::CipherSuite& offered_suite(const core::Provider& provider, DWORD protocol, DWORD suite) {
  if (!core::protocol_supported(protocol)) fail(NTE_NOT_SUPPORTED, "sslp11 runs the TLS 1.2 (0x0303) key schedule only");
  const core::CipherSuite* s = provider.token()->offered_suite(suite);
  if (s == nullptr) fail(NTE_NOT_SUPPORTED, provider.token()->why_not_offered(suite));
  return *s;
}

std::shared_ptr<core::MasterKey> live_master_from(NCRYPT_KEY_HANDLE h, const core::Provider& provider) {
  auto master = key_from<core::MasterKey>(h, core::ObjectKind::master_key, &provider);
  require_alive(master->secret, "master key");
  return master;
}

bool output_wanted(std::size_t size, PBYTE out, DWORD cb_out, DWORD* pcb_result) {
  *pcb_result = static_cast<DWORD>(size);
  if (out == nullptr) return false;
  if (cb_out < size) fail(NTE_BUFFER_TOO_SMALL, "the output buffer is too small");
  return true;
}

}  // namespace sslp11::abi
