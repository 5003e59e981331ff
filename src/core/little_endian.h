// Little-endian integers of n bytes in a byte buffer: how the opaque key
// blobs (core/opaque_blobs.cpp, core/pool_blobs.cpp) lay out their fields.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sslp11::core {

inline void put_le(std::uint8_t* p, std::uint64_t v, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

inline std::uint64_t get_le(const std::uint8_t* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return v;
}

}  // namespace sslp11::core
