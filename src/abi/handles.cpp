#include "abi/handles.h"

namespace sslp11::abi {

std::shared_ptr<core::Provider> provider_from(NCRYPT_PROV_HANDLE h) {
  auto object = core::HandleTable::instance().find(h);
  if (!object || object->kind() != core::ObjectKind::provider) {
    fail(NTE_INVALID_HANDLE, "the handle is not a live sslp11 provider handle");
  }
  return std::static_pointer_cast<core::Provider>(object);
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

}  // namespace sslp11::abi
