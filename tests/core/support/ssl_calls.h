// Small conveniences for driving the Ssl* API from the key-schedule tests:
// an owning handle, a parameter-list builder, the CNG key blobs, the suite
// enumeration. Failures throw std::runtime_error naming the call, its status
// and sslp11's explanation (the per-case loops turn that into a test failure).
#pragma once

#include <sslp11/sslprovider.h>
#include <sslp11/sslprovider.hpp>

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
using SslObject = ::sslp11::SslHandle;

// An NCryptBufferDesc that owns copies of its buffers (sslprovider.hpp's
// builder; desc() is this suite's name for get()).
class ParamList : public ::sslp11::BufferDescBuilder {
 public:
  NCryptBufferDesc* desc() { return get(); }
};

// Every suite id SslEnumCipherSuites returns for the provider (state freed).
std::vector<DWORD> enumerate_suites(NCRYPT_PROV_HANDLE provider);

// A UTF-16 string property (SslGetKeyProperty) as ASCII.
std::string key_property_string(NCRYPT_KEY_HANDLE key, LPCWSTR name);
std::string provider_property_string(NCRYPT_PROV_HANDLE provider, LPCWSTR name);

// SslExportKey with the two-call size query.
Bytes export_key(NCRYPT_PROV_HANDLE provider, NCRYPT_KEY_HANDLE key, LPCWSTR blob_type);

}  // namespace sslp11::coretest
