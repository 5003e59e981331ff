#include "pool/pool_key_support.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "core/pool_blobs.h"
#include "pkcs11/attributes.h"
#include "pkcs11/error.h"
#include "pkcs11/module.h"

namespace sslp11::pool_test {

namespace {

// Runs `op` in a logged-in read/write session on the token of `m`.
template <class Op>
void on_token(const Member& m, Op&& op) {
  const auto module = p11::Module::load(m.spec.module_path, m.spec.init_args);
  const p11::Api& api = module->api();
  for (CK_SLOT_ID slot : api.C_GetSlotList(true)) {
    if (p11::trim_padded(api.C_GetTokenInfo(slot).label, 32) != m.spec.label) continue;
    const CK_SESSION_HANDLE s = api.C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION);
    if (m.spec.login_required) {
      try {
        const std::string& pin = m.spec.user_pin;
        api.C_Login(s, CKU_USER, {reinterpret_cast<const CK_UTF8CHAR*>(pin.data()), pin.size()});
      } catch (const p11::Error& e) {
        if (e.rv() != CKR_USER_ALREADY_LOGGED_IN) throw;
      }
    }
    op(api, s);
    api.C_CloseSession(s);
    return;
  }
  ADD_FAILURE() << "no token labelled " << m.spec.label;
}

}  // namespace

Bytes random_pool_key() {
  std::random_device rd;
  Bytes v(32);
  for (auto& b : v) b = static_cast<std::uint8_t>(rd());
  return v;
}

void remove_pool_key(const Member& m) {
  on_token(m, [](const p11::Api& api, CK_SESSION_HANDLE s) {
    p11::AttributeTemplate q;
    q.add_string(CKA_LABEL, core::pool_blobs::kPoolKeyLabel);
    for (CK_OBJECT_HANDLE h : api.find_objects(s, q.span())) api.C_DestroyObject(s, h);
  });
}

void put_pool_key(const Member& m, const Bytes& value) {
  remove_pool_key(m);
  on_token(m, [&](const p11::Api& api, CK_SESSION_HANDLE s) {
    p11::AttributeTemplate t;
    t.add_ulong(CKA_CLASS, CKO_SECRET_KEY)
        .add_ulong(CKA_KEY_TYPE, CKK_AES)
        .add_bool(CKA_TOKEN, true)
        .add_bool(CKA_PRIVATE, true)
        .add_bool(CKA_SENSITIVE, true)
        .add_bool(CKA_EXTRACTABLE, false)
        .add_bool(CKA_WRAP, true)
        .add_bool(CKA_UNWRAP, true)
        .add_bool(CKA_DERIVE, true)
        .add_string(CKA_LABEL, core::pool_blobs::kPoolKeyLabel)
        .add_bytes(CKA_VALUE, value);
    api.C_CreateObject(s, t.span());
  });
}

}  // namespace sslp11::pool_test
