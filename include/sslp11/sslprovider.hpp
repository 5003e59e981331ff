// A header-only C++ layer over the public C API (sslprovider.h, sslp11.h):
// move-only owners for what the Ssl* calls hand out, an NCryptBufferDesc
// builder, and statuses as text. Nothing here reaches behind the exported
// functions, so it works the same against libsslp11.so and the static build.
#pragma once

#include <cstdio>
#include <cstring>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "sslp11.h"

namespace sslp11 {

// An NCRYPT_* handle (provider, key, hash), released with SslFreeObject.
class SslHandle {
 public:
  SslHandle() = default;
  explicit SslHandle(NCRYPT_HANDLE h) noexcept : h_(h) {}
  SslHandle(SslHandle&& o) noexcept : h_(o.release()) {}
  SslHandle& operator=(SslHandle&& o) noexcept {
    if (this != &o) {
      reset();
      h_ = o.release();
    }
    return *this;
  }
  SslHandle(const SslHandle&) = delete;
  SslHandle& operator=(const SslHandle&) = delete;
  ~SslHandle() { reset(); }

  NCRYPT_HANDLE get() const noexcept { return h_; }
  explicit operator bool() const noexcept { return h_ != 0; }
  // For an out parameter: releases what is held first.
  NCRYPT_HANDLE* out() noexcept {
    reset();
    return &h_;
  }
  NCRYPT_HANDLE release() noexcept { return std::exchange(h_, 0); }
  void reset() noexcept {
    if (h_ != 0) SslFreeObject(h_, 0);
    h_ = 0;
  }

 private:
  NCRYPT_HANDLE h_ = 0;
};

// Memory an Ssl* call allocated, released with SslFreeBuffer.
template <class T>
class SslBuffer {
 public:
  SslBuffer() = default;
  explicit SslBuffer(T* p) noexcept : p_(p) {}
  SslBuffer(SslBuffer&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  SslBuffer& operator=(SslBuffer&& o) noexcept {
    if (this != &o) {
      reset();
      p_ = std::exchange(o.p_, nullptr);
    }
    return *this;
  }
  SslBuffer(const SslBuffer&) = delete;
  SslBuffer& operator=(const SslBuffer&) = delete;
  ~SslBuffer() { reset(); }

  T* get() const noexcept { return p_; }
  T* operator->() const noexcept { return p_; }
  T** out() noexcept {
    reset();
    return &p_;
  }
  void reset() noexcept {
    if (p_ != nullptr) SslFreeBuffer(p_);
    p_ = nullptr;
  }

 private:
  T* p_ = nullptr;
};

// An NCryptBufferDesc over copies of the values it was given (randoms,
// version, session hash). The descriptor points into this object: keep it
// alive, and unchanged, for the call.
class BufferDescBuilder {
 public:
  BufferDescBuilder& add(ULONG type, const void* data, std::size_t size) {
    const auto* bytes = static_cast<const BYTE*>(data);
    values_.emplace_back(bytes, bytes + size);
    types_.push_back(type);
    return *this;
  }
  BufferDescBuilder& add(ULONG type, std::span<const BYTE> value) { return add(type, value.data(), value.size()); }
  BufferDescBuilder& add_dword(ULONG type, DWORD value) { return add(type, &value, sizeof value); }
  NCryptBufferDesc* get() {
    buffers_.clear();
    for (std::size_t i = 0; i < values_.size(); ++i) {
      buffers_.push_back({static_cast<ULONG>(values_[i].size()), types_[i], values_[i].data()});
    }
    desc_ = {NCRYPTBUFFER_VERSION, static_cast<ULONG>(buffers_.size()), buffers_.empty() ? nullptr : buffers_.data()};
    return &desc_;
  }

 private:
  std::vector<std::vector<BYTE>> values_;
  std::vector<ULONG> types_;
  std::vector<NCryptBuffer> buffers_;
  NCryptBufferDesc desc_{};
};

// "0x80090029 NTE_NOT_SUPPORTED" (the hex alone for a status sslp11 does not name).
inline std::string status_text(SECURITY_STATUS status) {
  char code[16];
  std::snprintf(code, sizeof code, "0x%08X", static_cast<unsigned>(status));
  const char* name = Sslp11GetStatusName(status);
  return *name != '\0' ? std::string(code) + " " + name : std::string(code);
}

// Why the last failing Ssl*/Sslp11* call on this thread failed ("" if none did).
inline std::string last_error_text() {
  DWORD size = 0;
  if (Sslp11GetLastErrorText(nullptr, 0, &size, 0) != ERROR_SUCCESS || size == 0) return {};
  std::string text(size, '\0');
  if (Sslp11GetLastErrorText(text.data(), size, &size, 0) != ERROR_SUCCESS) return {};
  text.resize(std::strlen(text.c_str()));
  return text;
}

// "SslFoo: 0x80090029 NTE_NOT_SUPPORTED: token lacks CKM_..." for a failed call.
inline std::string failure_text(const char* call, SECURITY_STATUS status) {
  const std::string why = last_error_text();
  return std::string(call) + ": " + status_text(status) + (why.empty() ? "" : ": " + why);
}

}  // namespace sslp11
