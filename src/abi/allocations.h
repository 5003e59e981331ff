// Memory handed to callers (suite structs, curve arrays, properties, enum
// state) and given back through SslFreeBuffer. Tracked, so freeing a pointer
// we never returned is NTE_INVALID_PARAMETER instead of heap corruption.
#pragma once

#include <cstddef>

namespace sslp11::abi {

// Zero-filled; never null (throws std::bad_alloc).
void* allocate_for_caller(std::size_t size);
// False when `p` is not a live allocation of ours.
bool release_from_caller(void* p) noexcept;
// True when `p` is a live allocation of ours of exactly `size` bytes (lets a
// caller-returned enumeration state be checked before it is read).
bool is_live_allocation(const void* p, std::size_t size) noexcept;

template <class T>
T* allocate_for_caller() {
  return static_cast<T*>(allocate_for_caller(sizeof(T)));
}

}  // namespace sslp11::abi
