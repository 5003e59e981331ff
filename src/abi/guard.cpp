#include "abi/guard.h"

namespace sslp11::abi {

namespace {
thread_local std::string t_last_error;
}

const std::string& last_error_message() noexcept { return t_last_error; }

void set_last_error(std::string message) noexcept {
  try {
    t_last_error = std::move(message);
  } catch (...) {
    t_last_error.clear();
  }
}

}  // namespace sslp11::abi
