// Small conveniences for driving the Ssl* API from the key-schedule tests:
// an owning handle, a parameter-list builder, the CNG key blobs, the suite
// enumeration. Failures throw std::runtime_error naming the call, its status
// and sslp11's explanation (the per-case loops turn that into a test failure).
#pragma once

#include <sslp11/sslprovider.h>

#include <deque>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "support/oracle/bytes.h"
#include "support/oracle/cng_blobs.h"
#include "support/suite_facts.h"

namespace sslp11::coretest {

// The key-schedule tests speak the independent oracle's vocabulary.
using namespace ::sslp11::oracle;

std::string status_hex(SECURITY_STATUS s);

// Throws std::runtime_error("<call>: 0x... <last_error>") unless s == ERROR_SUCCESS.
void require_ok(SECURITY_STATUS s, const char* call);

// Owns one Ssl* object handle (SslFreeObject on destruction).
class SslObject {
 public:
  SslObject() = default;
  explicit SslObject(NCRYPT_HANDLE h) : h_(h) {}
  SslObject(SslObject&& o) noexcept : h_(std::exchange(o.h_, 0)) {}
  SslObject& operator=(SslObject&& o) noexcept {
    if (this != &o) {
      reset();
      h_ = std::exchange(o.h_, 0);
    }
    return *this;
  }
  SslObject(const SslObject&) = delete;
  SslObject& operator=(const SslObject&) = delete;
  ~SslObject() { reset(); }

  NCRYPT_HANDLE get() const noexcept { return h_; }
  // For out-parameters: frees any current object first.
  NCRYPT_HANDLE* out() noexcept {
    reset();
    return &h_;
  }
  NCRYPT_HANDLE release() noexcept { return std::exchange(h_, 0); }
  void reset() noexcept;

 private:
  NCRYPT_HANDLE h_ = 0;
};

// An NCryptBufferDesc that owns copies of its buffers.
class ParamList {
 public:
  ParamList& add(ULONG type, ByteView bytes);
  ParamList& add_dword(ULONG type, DWORD value);
  NCryptBufferDesc* desc();

 private:
  std::deque<Bytes> storage_;
  std::vector<NCryptBuffer> buffers_;
  NCryptBufferDesc desc_{};
};

// Every suite id SslEnumCipherSuites returns for the provider (state freed).
std::vector<DWORD> enumerate_suites(NCRYPT_PROV_HANDLE provider);

// A UTF-16 string property (SslGetKeyProperty) as ASCII.
std::string key_property_string(NCRYPT_KEY_HANDLE key, LPCWSTR name);
std::string provider_property_string(NCRYPT_PROV_HANDLE provider, LPCWSTR name);

// SslExportKey with the two-call size query.
Bytes export_key(NCRYPT_PROV_HANDLE provider, NCRYPT_KEY_HANDLE key, LPCWSTR blob_type);

}  // namespace sslp11::coretest
