#include "core/support/ssl_calls.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "support/provider_env.h"

namespace sslp11::coretest {

namespace {

template <class Header>
Bytes with_header(const Header& h, std::initializer_list<ByteView> parts) {
  Bytes out(sizeof h);
  std::memcpy(out.data(), &h, sizeof h);
  for (ByteView p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

template <class Header>
Header header_of(ByteView blob, const char* what) {
  if (blob.size() < sizeof(Header)) throw std::runtime_error(std::string(what) + " shorter than its header");
  Header h;
  std::memcpy(&h, blob.data(), sizeof h);
  return h;
}

Bytes left_pad(ByteView v, std::size_t n) {
  Bytes out(n > v.size() ? n - v.size() : 0, 0);
  out.insert(out.end(), v.begin(), v.end());
  return out;
}

std::string ascii(const std::uint8_t* p, DWORD cb) {
  std::string s;
  for (DWORD i = 0; i + 1 < cb; i += 2) {
    const char16_t c = static_cast<char16_t>(p[i] | p[i + 1] << 8);
    if (c == 0) break;
    s.push_back(c < 0x80 ? static_cast<char>(c) : '?');
  }
  return s;
}

}  // namespace

std::string status_hex(SECURITY_STATUS s) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", static_cast<unsigned>(s));
  return buf;
}

void require_ok(SECURITY_STATUS s, const char* call) {
  if (s != ERROR_SUCCESS)
    throw std::runtime_error(std::string(call) + " returned " + status_hex(s) + ": " + test::last_error());
}

void SslObject::reset() noexcept {
  if (h_ != 0) SslFreeObject(h_, 0);
  h_ = 0;
}

ParamList& ParamList::add(ULONG type, ByteView bytes) {
  storage_.emplace_back(bytes.begin(), bytes.end());
  buffers_.push_back({static_cast<ULONG>(bytes.size()), type, storage_.back().data()});
  return *this;
}

ParamList& ParamList::add_dword(ULONG type, DWORD value) {
  Bytes b(sizeof value);
  std::memcpy(b.data(), &value, sizeof value);
  return add(type, b);
}

NCryptBufferDesc* ParamList::desc() {
  desc_ = {NCRYPTBUFFER_VERSION, static_cast<ULONG>(buffers_.size()), buffers_.data()};
  return &desc_;
}

std::vector<DWORD> enumerate_suites(NCRYPT_PROV_HANDLE provider) {
  std::vector<DWORD> ids;
  PVOID state = nullptr;
  for (;;) {
    NCRYPT_SSL_CIPHER_SUITE* suite = nullptr;
    const SECURITY_STATUS s = SslEnumCipherSuites(provider, 0, &suite, &state, 0);
    if (s == NTE_NO_MORE_ITEMS) break;
    if (s != ERROR_SUCCESS) {
      if (state != nullptr) SslFreeBuffer(state);
      require_ok(s, "SslEnumCipherSuites");
    }
    ids.push_back(suite->dwCipherSuite);
    SslFreeBuffer(suite);
  }
  if (state != nullptr) SslFreeBuffer(state);
  return ids;
}

std::string key_property_string(NCRYPT_KEY_HANDLE key, LPCWSTR name) {
  PBYTE out = nullptr;
  DWORD cb = 0;
  require_ok(SslGetKeyProperty(key, name, &out, &cb, 0), "SslGetKeyProperty");
  std::string s = ascii(out, cb);
  SslFreeBuffer(out);
  return s;
}

std::string provider_property_string(NCRYPT_PROV_HANDLE provider, LPCWSTR name) {
  PBYTE out = nullptr;
  DWORD cb = 0;
  require_ok(SslGetProviderProperty(provider, name, &out, &cb, nullptr, 0), "SslGetProviderProperty");
  std::string s = ascii(out, cb);
  SslFreeBuffer(out);
  return s;
}

Bytes ecc_public_blob(const CurveFacts& curve, ByteView point) {
  if (point.size() != 1 + 2 * curve.coordinate_bytes || point[0] != 0x04) {
    throw std::runtime_error("not an uncompressed point on " + std::string(curve.openssl_name));
  }
  const BCRYPT_ECCKEY_BLOB h{curve.ecdh_magic, curve.coordinate_bytes};
  return with_header(h, {point.subspan(1)});
}

Bytes ecc_point_from_blob(const CurveFacts& curve, ByteView blob) {
  const auto h = header_of<BCRYPT_ECCKEY_BLOB>(blob, "BCRYPT_ECCPUBLIC_BLOB");
  if (h.dwMagic != curve.ecdh_magic || h.cbKey != curve.coordinate_bytes ||
      blob.size() != sizeof h + 2 * std::size_t{curve.coordinate_bytes}) {
    throw std::runtime_error("exported BCRYPT_ECCPUBLIC_BLOB has magic " + status_hex(static_cast<LONG>(h.dwMagic)) +
                             ", cbKey " + std::to_string(h.cbKey) + ", size " + std::to_string(blob.size()) +
                             " (want an ECDH " + curve.openssl_name + " blob)");
  }
  Bytes point{0x04};
  point.insert(point.end(), blob.begin() + sizeof h, blob.end());
  return point;
}

Bytes dh_parameters_blob(ByteView prime, ByteView generator) {
  const std::size_t n = prime.size();
  const BCRYPT_DH_PARAMETER_HEADER h{static_cast<ULONG>(sizeof(BCRYPT_DH_PARAMETER_HEADER) + 2 * n),
                                     BCRYPT_DH_PARAMETERS_MAGIC, static_cast<ULONG>(n)};
  return with_header(h, {prime, left_pad(generator, n)});
}

Bytes dh_public_blob(ByteView prime, ByteView generator, ByteView y) {
  const std::size_t n = prime.size();
  const BCRYPT_DH_KEY_BLOB h{BCRYPT_DH_PUBLIC_MAGIC, static_cast<ULONG>(n)};
  return with_header(h, {prime, left_pad(generator, n), left_pad(y, n)});
}

Bytes dh_y_from_blob(ByteView prime, ByteView generator, ByteView blob) {
  const std::size_t n = prime.size();
  const auto h = header_of<BCRYPT_DH_KEY_BLOB>(blob, "BCRYPT_DH_PUBLIC_BLOB");
  if (h.dwMagic != BCRYPT_DH_PUBLIC_MAGIC || h.cbKey != n || blob.size() != sizeof h + 3 * n) {
    throw std::runtime_error("exported BCRYPT_DH_PUBLIC_BLOB has the wrong header or size");
  }
  const ByteView body = blob.subspan(sizeof h);
  const Bytes g = left_pad(generator, n);
  if (!std::equal(prime.begin(), prime.end(), body.begin()) || !std::equal(g.begin(), g.end(), body.begin() + n)) {
    throw std::runtime_error("exported BCRYPT_DH_PUBLIC_BLOB does not carry the group it was made in");
  }
  return Bytes(body.begin() + 2 * static_cast<std::ptrdiff_t>(n), body.end());
}

Bytes rsa_public_blob(ByteView modulus, ByteView exponent) {
  const BCRYPT_RSAKEY_BLOB h{BCRYPT_RSAPUBLIC_MAGIC,
                             static_cast<ULONG>(modulus.size() * 8),
                             static_cast<ULONG>(exponent.size()),
                             static_cast<ULONG>(modulus.size()),
                             0,
                             0};
  return with_header(h, {exponent, modulus});
}

Bytes export_key(NCRYPT_PROV_HANDLE provider, NCRYPT_KEY_HANDLE key, LPCWSTR blob_type) {
  DWORD cb = 0;
  require_ok(SslExportKey(provider, key, blob_type, nullptr, 0, &cb, 0), "SslExportKey (size)");
  Bytes out(cb);
  require_ok(SslExportKey(provider, key, blob_type, out.data(), cb, &cb, 0), "SslExportKey");
  out.resize(cb);
  return out;
}

}  // namespace sslp11::coretest
