// Reading an NCryptBufferDesc parameter list: validated once, then searched by
// buffer type (callers pass buffers in any order).
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include <sslp11/sslprovider.h>

namespace sslp11::abi {

class ParameterList {
 public:
  // Throws ApiError(NTE_INVALID_PARAMETER) for a malformed descriptor: wrong
  // version, NULL buffer array with a non-zero count, a non-empty buffer with a
  // NULL pointer, or the same buffer type twice. A NULL descriptor is an empty list.
  explicit ParameterList(const NCryptBufferDesc* desc);

  std::optional<std::span<const std::uint8_t>> find(ULONG type) const;
  // The buffer of `type`, which must be present and exactly `size` bytes.
  std::span<const std::uint8_t> require(ULONG type, std::size_t size, const char* name) const;
  // A DWORD buffer (cbBuffer == 4).
  std::optional<DWORD> find_dword(ULONG type, const char* name) const;

 private:
  const NCryptBufferDesc* desc_;
};

}  // namespace sslp11::abi
