// Every exported Ssl* function body runs inside guarded(): no exception
// crosses the C ABI. An ApiError carries its SECURITY_STATUS; the errors of
// the layers below (p11::Error, p11::LayerError, core::Error) speak their own
// language and get theirs from abi/status_translation.h, the one translation.
// guarded() is also the one place that logs the calls (src/log/logger.h):
//   * debug:   every call, its handle values and buffer sizes (when the call
//              site passes them with call_args) and the status it returned;
//   * info:    every other failing call, with its status and text: refused
//              input (bad handle, parameter, short buffer, tampered record),
//              the token (device, PIN) or the configuration. The caller gets
//              the same status and text and reports them (sslp11-admin prints
//              one line per error), so they stay quiet at the default level;
//   * warning: a failure of sslp11 itself (NTE_INTERNAL_ERROR, NTE_NO_MEMORY,
//              NTE_FAIL or a status sslp11 does not name).
// The function name comes from the call site (CallSite), so a plain
// guarded([&] {...}) is logged too.
#pragma once

#include <array>
#include <cstdint>
#include <new>
#include <string>
#include <utility>

#include <sslp11/sslprovider.h>

#include "abi/status_translation.h"
#include "log/logger.h"

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

// "NTE_BAD_DATA" (or "" for a status sslp11 does not name).
const char* status_name(SECURITY_STATUS status) noexcept;

// What a call was given, for its debug line: handle values, sizes, flags and
// suite/protocol numbers only, never buffer contents. Storing them costs a few
// word copies; they are formatted only when the debug line is written. Names
// starting with 'h' or "dw" print in hex, the rest ("cb...") in decimal.
//   return guarded(call_args("hSslProvider", hSslProvider, "cbOutput", cbOutput), [&] { ... });
struct CallArgs {
  struct Arg {
    const char* name = nullptr;
    std::uint64_t value = 0;
  };
  std::array<Arg, 8> args{};
  std::size_t count = 0;
};
inline void add_call_args(CallArgs&) noexcept {}
template <class Value, class... Rest>
void add_call_args(CallArgs& a, const char* name, Value value, Rest... rest) noexcept {
  if (a.count < a.args.size()) a.args[a.count++] = {name, static_cast<std::uint64_t>(value)};
  add_call_args(a, rest...);
}
template <class... NamesAndValues>
CallArgs call_args(NamesAndValues... named) noexcept {
  CallArgs a;
  add_call_args(a, named...);
  return a;
}

// The function a guarded body runs for, taken at the call site. Not
// std::source_location: clang 14 with libstdc++ 12 (the fuzz build) lacks it,
// and supplying it in namespace std is undefined behaviour. GCC and clang both
// have __builtin_FUNCTION, which gives the bare name ("SslEncryptPacket").
class CallSite {
 public:
  static constexpr CallSite current(const char* function = __builtin_FUNCTION()) noexcept {
    return CallSite(function);
  }
  constexpr const char* function_name() const noexcept { return function_; }

 private:
  constexpr explicit CallSite(const char* function) noexcept : function_(function) {}
  const char* function_;
};

namespace detail {
// The log lines of guarded(); `why` is null on success.
void log_call(const CallSite& where, const CallArgs* args, SECURITY_STATUS status,
              const char* why) noexcept;
// The least verbose level a failure is logged at.
inline bool logging_calls() noexcept { return log::enabled(log::Level::warning); }
}  // namespace detail

template <class F>
SECURITY_STATUS guarded(const CallArgs* args, F&& body, const CallSite& where) noexcept {
  SECURITY_STATUS status = ERROR_SUCCESS;
  try {
    body();
    if (log::enabled(log::Level::debug)) detail::log_call(where, args, ERROR_SUCCESS, nullptr);
    return ERROR_SUCCESS;
  } catch (const ApiError& e) {
    set_last_error(e.what());
    status = e.status();
  } catch (const core::Error& e) {
    set_last_error(e.what());
    status = status_for(e);
  } catch (const p11::Error& e) {
    set_last_error(e.what());
    status = status_for(e);
  } catch (const p11::LayerError& e) {
    set_last_error(e.what());
    status = status_for(e);
  } catch (const std::bad_alloc&) {
    set_last_error("out of memory");
    status = NTE_NO_MEMORY;
  } catch (const std::exception& e) {
    set_last_error(e.what());
    status = NTE_INTERNAL_ERROR;
  } catch (...) {
    set_last_error("unknown internal error");
    status = NTE_INTERNAL_ERROR;
  }
  if (detail::logging_calls()) detail::log_call(where, args, status, last_error_message().c_str());
  return status;
}

template <class F>
SECURITY_STATUS guarded(F&& body, const CallSite& where = CallSite::current()) noexcept {
  return guarded(static_cast<const CallArgs*>(nullptr), std::forward<F>(body), where);
}

template <class F>
SECURITY_STATUS guarded(const CallArgs& args, F&& body,
                        const CallSite& where = CallSite::current()) noexcept {
  return guarded(&args, std::forward<F>(body), where);
}

}  // namespace sslp11::abi
