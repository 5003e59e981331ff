// The call-count tests' one measure: the PKCS#11 calls one run of an
// operation makes on this thread, after a warm-up run (so the pool's session
// already exists, as in steady state), counted on the provider's side or on
// the raw floor's.
#pragma once

#include <cstdint>
#include <functional>

#include "bench/raw_token.h"
#include "pkcs11/api.h"

namespace sslp11::bench {

inline std::uint64_t calls(const std::function<void()>& op, std::uint64_t (*counter)()) {
  op();
  const std::uint64_t before = counter();
  op();
  return counter() - before;
}
inline std::uint64_t provider_calls(const std::function<void()>& op) { return calls(op, p11::calls_on_this_thread); }
inline std::uint64_t floor_calls(const std::function<void()>& op) { return calls(op, floor_calls_on_this_thread); }

}  // namespace sslp11::bench
