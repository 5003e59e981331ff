#include "bench/raw_token.h"

#include <stdexcept>

#include "pkcs11/error.h"

namespace sslp11::bench {

namespace {
thread_local std::uint64_t t_floor_calls = 0;
}

std::uint64_t floor_calls_on_this_thread() noexcept { return t_floor_calls; }

void floor_check(CK_RV rv, const char* call) {
  ++t_floor_calls;
  if (rv != CKR_OK) throw std::runtime_error(std::string(call) + " failed: " + std::string(p11::rv_name(rv)));
}

TokenAccess open_token(const std::string& module_path, const std::string& init_args, const std::string& serial) {
  TokenAccess t;
  t.module = p11::Module::load(module_path, init_args);
  t.fl = t.module->api().functions();
  for (const auto& slot : t.module->slots()) {
    if (slot.token_present && slot.serial == serial) {
      t.slot = slot.id;
      return t;
    }
  }
  throw std::runtime_error("no slot holds the token with serial " + serial + " in " + module_path);
}

RawSession::RawSession(const TokenAccess& token, const std::string& user_pin) : fl_(token.fl) {
  floor_check(fl_->C_OpenSession(token.slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &handle_),
              "C_OpenSession");
  if (!user_pin.empty()) {
    std::vector<CK_UTF8CHAR> pin(user_pin.begin(), user_pin.end());
    const CK_RV rv = fl_->C_Login(handle_, CKU_USER, pin.data(), pin.size());
    if (rv != CKR_USER_ALREADY_LOGGED_IN) floor_check(rv, "C_Login");
  }
}

RawSession::~RawSession() {
  if (handle_ != CK_INVALID_HANDLE) fl_->C_CloseSession(handle_);
}

std::size_t count_objects(const RawSession& s) {
  CK_FUNCTION_LIST* fl = s.fl();
  if (fl->C_FindObjectsInit(s.handle(), nullptr, 0) != CKR_OK) throw std::runtime_error("C_FindObjectsInit failed");
  std::size_t n = 0;
  CK_OBJECT_HANDLE batch[256];
  CK_ULONG got = 0;
  do {
    if (fl->C_FindObjects(s.handle(), batch, 256, &got) != CKR_OK) throw std::runtime_error("C_FindObjects failed");
    n += got;
  } while (got == 256);
  fl->C_FindObjectsFinal(s.handle());
  return n;
}

}  // namespace sslp11::bench
