#include "support/oracle/cng_blobs.h"

#include <sslp11/bcrypt.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <stdexcept>
#include <string>

namespace sslp11::oracle {

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

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", static_cast<unsigned>(v));
  return buf;
}

Bytes ecc_blob(std::uint32_t magic, const CurveFacts& curve, ByteView point) {
  if (point.size() != 1 + 2 * std::size_t{curve.coordinate_bytes} || point[0] != 0x04) {
    throw std::runtime_error("not an uncompressed point on " + std::string(curve.openssl_name));
  }
  const BCRYPT_ECCKEY_BLOB h{magic, curve.coordinate_bytes};
  return with_header(h, {point.subspan(1)});
}

}  // namespace

Bytes ecc_public_blob(const CurveFacts& curve, ByteView point) { return ecc_blob(curve.ecdh_magic, curve, point); }
Bytes ecdsa_public_blob(const CurveFacts& curve, ByteView point) { return ecc_blob(curve.ecdsa_magic, curve, point); }

Bytes ecc_point_from_blob(const CurveFacts& curve, ByteView blob) {
  const auto h = header_of<BCRYPT_ECCKEY_BLOB>(blob, "BCRYPT_ECCPUBLIC_BLOB");
  if (h.dwMagic != curve.ecdh_magic || h.cbKey != curve.coordinate_bytes ||
      blob.size() != sizeof h + 2 * std::size_t{curve.coordinate_bytes}) {
    throw std::runtime_error("exported BCRYPT_ECCPUBLIC_BLOB has magic " + hex32(h.dwMagic) + ", cbKey " +
                             std::to_string(h.cbKey) + ", size " + std::to_string(blob.size()) + " (want an ECDH " +
                             curve.openssl_name + " blob)");
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

}  // namespace sslp11::oracle
