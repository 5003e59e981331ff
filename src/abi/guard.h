// Every exported Ssl* function body runs inside guarded(): no exception
// crosses the C ABI, and each one becomes the SECURITY_STATUS it carries.
#pragma once

#include <new>
#include <string>

#include <sslp11/sslprovider.h>

#include "pkcs11/error.h"

namespace sslp11::abi {

// A documented API status with an explanation (for logs and tests; never
// carries PINs or key bytes).
class ApiError : public std::runtime_error {
 public:
  ApiError(SECURITY_STATUS status, const std::string& why) : std::runtime_error(why), status_(status) {}
  SECURITY_STATUS status() const noexcept { return status_; }

 private:
  SECURITY_STATUS status_;
};

[[noreturn]] inline void fail(SECURITY_STATUS status, const std::string& why) { throw ApiError(status, why); }

// The explanation behind the last non-success status on this thread.
const std::string& last_error_message() noexcept;
void set_last_error(std::string message) noexcept;

template <class F>
SECURITY_STATUS guarded(F&& body) noexcept {
  try {
    body();
    return ERROR_SUCCESS;
  } catch (const ApiError& e) {
    set_last_error(e.what());
    return e.status();
  } catch (const p11::Error& e) {
    set_last_error(e.what());
    return e.status();
  } catch (const p11::LayerError& e) {
    set_last_error(e.what());
    return e.status();
  } catch (const std::bad_alloc&) {
    set_last_error("out of memory");
    return NTE_NO_MEMORY;
  } catch (const std::exception& e) {
    set_last_error(e.what());
    return NTE_INTERNAL_ERROR;
  } catch (...) {
    set_last_error("unknown internal error");
    return NTE_INTERNAL_ERROR;
  }
}

}  // namespace sslp11::abi
