#include "abi/wide.h"

#include <algorithm>

namespace sslp11::abi {

std::u16string_view wide_view(LPCWSTR s, std::size_t max) {
  if (s == nullptr) return {};
  std::size_t n = 0;
  while (n < max && s[n] != 0) ++n;
  return {s, n};
}

void copy_wide(std::u16string_view from, WCHAR* to, std::size_t capacity) {
  if (capacity == 0) return;
  const std::size_t n = std::min(from.size(), capacity - 1);
  std::copy_n(from.begin(), n, to);
  to[n] = 0;
}

void copy_ascii(std::string_view from, WCHAR* to, std::size_t capacity) { copy_wide(to_wide(from), to, capacity); }

std::u16string to_wide(std::string_view ascii) { return std::u16string(ascii.begin(), ascii.end()); }

}  // namespace sslp11::abi
