#include "abi/buffer_desc.h"

#include <cstring>
#include <string>

#include "abi/guard.h"

namespace sslp11::abi {

namespace {
// No TLS parameter list has more than a handful of buffers; a huge count is
// a corrupted descriptor, not a reason to walk memory.
constexpr ULONG kMaxBuffers = 64;
}

ParameterList::ParameterList(const NCryptBufferDesc* desc) : desc_(desc) {
  if (desc == nullptr) return;
  if (desc->ulVersion != NCRYPTBUFFER_VERSION) {
    fail(NTE_INVALID_PARAMETER, "NCryptBufferDesc.ulVersion must be NCRYPTBUFFER_VERSION (0), got " +
                                    std::to_string(desc->ulVersion));
  }
  if (desc->cBuffers > kMaxBuffers) fail(NTE_INVALID_PARAMETER, "NCryptBufferDesc.cBuffers is implausibly large");
  if (desc->cBuffers != 0 && desc->pBuffers == nullptr) {
    fail(NTE_INVALID_PARAMETER, "NCryptBufferDesc.pBuffers is NULL but cBuffers is not 0");
  }
  for (ULONG i = 0; i < desc->cBuffers; ++i) {
    const NCryptBuffer& b = desc->pBuffers[i];
    if (b.cbBuffer != 0 && b.pvBuffer == nullptr) {
      fail(NTE_INVALID_PARAMETER, "NCryptBuffer " + std::to_string(i) + " has a length but no data");
    }
    for (ULONG j = 0; j < i; ++j) {
      if (desc->pBuffers[j].BufferType == b.BufferType) {
        fail(NTE_INVALID_PARAMETER, "buffer type " + std::to_string(b.BufferType) + " appears twice");
      }
    }
  }
}

std::optional<std::span<const std::uint8_t>> ParameterList::find(ULONG type) const {
  if (desc_ == nullptr) return std::nullopt;
  for (ULONG i = 0; i < desc_->cBuffers; ++i) {
    const NCryptBuffer& b = desc_->pBuffers[i];
    if (b.BufferType == type) return std::span<const std::uint8_t>(static_cast<const std::uint8_t*>(b.pvBuffer), b.cbBuffer);
  }
  return std::nullopt;
}

std::span<const std::uint8_t> ParameterList::require(ULONG type, std::size_t size, const char* name) const {
  const auto b = find(type);
  if (!b) fail(NTE_INVALID_PARAMETER, std::string("the parameter list has no ") + name + " buffer");
  if (b->size() != size) {
    fail(NTE_INVALID_PARAMETER, std::string(name) + " must be " + std::to_string(size) + " bytes, got " +
                                    std::to_string(b->size()));
  }
  return *b;
}

std::optional<DWORD> ParameterList::find_dword(ULONG type, const char* name) const {
  const auto b = find(type);
  if (!b) return std::nullopt;
  if (b->size() != sizeof(DWORD)) fail(NTE_INVALID_PARAMETER, std::string(name) + " must be a 4-byte DWORD");
  DWORD v;
  std::memcpy(&v, b->data(), sizeof v);
  return v;
}

}  // namespace sslp11::abi
