#include "support/token_objects.h"

#include <gtest/gtest.h>

#include "pkcs11/module.h"

namespace sslp11::test {

std::size_t objects_visible_on(const TokenSpec& spec) {
  const auto module = p11::Module::load(spec.module_path, spec.init_args);
  const p11::Api& api = module->api();
  for (CK_SLOT_ID slot : api.C_GetSlotList(true)) {
    if (p11::trim_padded(api.C_GetTokenInfo(slot).label, 32) != spec.label) continue;
    const CK_SESSION_HANDLE s = api.C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION);
    const std::size_t n = api.find_objects(s, {}).size();
    api.C_CloseSession(s);
    return n;
  }
  ADD_FAILURE() << "no token labelled " << spec.label;
  return 0;
}

}  // namespace sslp11::test
