// The raw PKCS#11 floor's access to a token: the module's own function list,
// called directly (no sslp11 wrapper, no pool, no handle table), one session
// per thread, and a thread-local call counter kept exactly like
// p11::calls_on_this_thread() so that both sides count the same way.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pkcs11/cryptoki.h"
#include "pkcs11/module.h"

namespace sslp11::bench {

// PKCS#11 calls made by the floor on the current thread.
std::uint64_t floor_calls_on_this_thread() noexcept;

// Counts the call and throws std::runtime_error naming it on anything but CKR_OK.
void floor_check(CK_RV rv, const char* call);
#define FLOOR_CALL(fl, fn, ...) ::sslp11::bench::floor_check((fl)->fn(__VA_ARGS__), #fn)

struct TokenAccess {
  std::shared_ptr<p11::Module> module;  // shared with the provider (same path: one C_Initialize)
  CK_FUNCTION_LIST* fl = nullptr;
  CK_SLOT_ID slot = 0;
};

// Loads (or shares) the module and finds the slot whose token has `serial`.
TokenAccess open_token(const std::string& module_path, const std::string& init_args, const std::string& serial);

// A session of the floor's own (RAII). Logs in when a PIN is given; the
// provider may have logged the application in already, which is fine.
class RawSession {
 public:
  RawSession(const TokenAccess& token, const std::string& user_pin);
  ~RawSession();
  RawSession(const RawSession&) = delete;
  RawSession& operator=(const RawSession&) = delete;
  CK_SESSION_HANDLE handle() const noexcept { return handle_; }
  CK_FUNCTION_LIST* fl() const noexcept { return fl_; }

 private:
  CK_FUNCTION_LIST* fl_;
  CK_SESSION_HANDLE handle_ = CK_INVALID_HANDLE;
};

// Every object the session can see (token and session objects of the whole
// application): the memory check's "token object count". Not counted.
std::size_t count_objects(const RawSession& s);

}  // namespace sslp11::bench
