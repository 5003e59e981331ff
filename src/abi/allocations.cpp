#include "abi/allocations.h"

#include <string.h>  // explicit_bzero

#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>

namespace sslp11::abi {

namespace {
std::mutex g_mutex;
// Owned with malloc/free so memory has no C++ object lifetime to manage.
std::unordered_map<void*, std::size_t>& live() {
  static std::unordered_map<void*, std::size_t> m;
  return m;
}
}  // namespace

void* allocate_for_caller(std::size_t size) {
  void* p = std::calloc(1, size == 0 ? 1 : size);
  if (p == nullptr) throw std::bad_alloc();
  try {
    std::lock_guard lock(g_mutex);
    live().emplace(p, size);
  } catch (...) {
    std::free(p);
    throw;
  }
  return p;
}

bool is_live_allocation(const void* p, std::size_t size) noexcept {
  std::lock_guard lock(g_mutex);
  const auto it = live().find(const_cast<void*>(p));
  return it != live().end() && it->second == size;
}

bool release_from_caller(void* p) noexcept {
  std::size_t size = 0;
  {
    std::lock_guard lock(g_mutex);
    const auto it = live().find(p);
    if (it == live().end()) return false;
    size = it->second;
    live().erase(it);
  }
  explicit_bzero(p, size);
  std::free(p);
  return true;
}

}  // namespace sslp11::abi
