#include "abi/key_blobs.h"

#include <algorithm>
#include <cstring>
#include <string>

#include <sslp11/sslprovider.h>

#include "abi/guard.h"

namespace sslp11::abi {

namespace {

// The CNG magics of each curve sslp11 knows: a Windows blob format, so they
// live here and not in the core's curve table.
struct CurveMagics {
  std::uint32_t group;
  ULONG ecdh;
  ULONG ecdsa;
};
constexpr CurveMagics kCurveMagics[] = {
    {TLS_ECC_P256_CURVE_KEY_TYPE, BCRYPT_ECDH_PUBLIC_P256_MAGIC, BCRYPT_ECDSA_PUBLIC_P256_MAGIC},
    {TLS_ECC_P384_CURVE_KEY_TYPE, BCRYPT_ECDH_PUBLIC_P384_MAGIC, BCRYPT_ECDSA_PUBLIC_P384_MAGIC},
    {TLS_ECC_P521_CURVE_KEY_TYPE, BCRYPT_ECDH_PUBLIC_P521_MAGIC, BCRYPT_ECDSA_PUBLIC_P521_MAGIC},
};

// The curve an ECDH or ECDSA public-blob magic names, or null.
const core::NamedCurve* curve_by_magic(ULONG magic) {
  for (const auto& m : kCurveMagics)
    if (m.ecdh == magic || m.ecdsa == magic) return core::find_curve_by_group(m.group);
  return nullptr;
}

ULONG ecdh_magic(const core::NamedCurve& curve) {
  for (const auto& m : kCurveMagics)
    if (m.group == curve.group) return m.ecdh;
  fail(NTE_INTERNAL_ERROR, "no BCRYPT_ECCKEY_BLOB magic for curve " + std::to_string(curve.group));
}

template <class Header>
Header read_header(std::span<const std::uint8_t> blob, const char* what) {
  if (blob.size() < sizeof(Header)) fail(NTE_BAD_DATA, std::string(what) + " is shorter than its header");
  Header h;
  std::memcpy(&h, blob.data(), sizeof h);
  return h;
}

}  // namespace

EcPublic parse_ecc_public(std::span<const std::uint8_t> blob) {
  const auto h = read_header<BCRYPT_ECCKEY_BLOB>(blob, "BCRYPT_ECCPUBLIC_BLOB");
  const core::NamedCurve* curve = curve_by_magic(h.dwMagic);
  if (curve == nullptr) fail(NTE_BAD_DATA, "BCRYPT_ECCPUBLIC_BLOB has an unknown or unsupported curve magic");
  if (h.cbKey != curve->coordinate_bytes || blob.size() != sizeof h + 2ull * h.cbKey) {
    fail(NTE_BAD_DATA, "BCRYPT_ECCPUBLIC_BLOB lengths do not match its curve");
  }
  const auto body = blob.subspan(sizeof h);
  return {curve, body.first(h.cbKey), body.subspan(h.cbKey)};
}

EcPublic parse_ssl_ecc_public(std::span<const std::uint8_t> blob) {
  const auto h = read_header<SSL_ECCKEY_BLOB>(blob, "SSL_ECCPUBLIC_BLOB");
  const core::NamedCurve* curve = core::find_curve_by_group(h.dwCurveType);
  if (curve == nullptr) fail(NTE_BAD_DATA, "SSL_ECCPUBLIC_BLOB names a curve sslp11 does not know");
  if (h.cbKey != curve->public_value_bytes() || blob.size() != sizeof h + std::size_t{h.cbKey}) {
    fail(NTE_BAD_DATA, "SSL_ECCPUBLIC_BLOB: a " + std::string(curve->name) + " public value is " +
                           std::to_string(curve->public_value_bytes()) + " bytes");
  }
  const auto value = blob.subspan(sizeof h);
  if (curve->montgomery()) return {curve, value, {}};
  if (value[0] != 0x04) fail(NTE_BAD_DATA, "SSL_ECCPUBLIC_BLOB: the point is not uncompressed (04||X||Y)");
  return {curve, value.subspan(1, curve->coordinate_bytes), value.subspan(1 + curve->coordinate_bytes)};
}

DhPublic parse_dh_public(std::span<const std::uint8_t> blob) {
  const auto h = read_header<BCRYPT_DH_KEY_BLOB>(blob, "BCRYPT_DH_PUBLIC_BLOB");
  if (h.dwMagic != BCRYPT_DH_PUBLIC_MAGIC) fail(NTE_BAD_DATA, "BCRYPT_DH_PUBLIC_BLOB has the wrong magic");
  if (h.cbKey == 0 || h.cbKey > 1024 || blob.size() != sizeof h + 3ull * h.cbKey) {
    fail(NTE_BAD_DATA, "BCRYPT_DH_PUBLIC_BLOB lengths are inconsistent");
  }
  const auto body = blob.subspan(sizeof h);
  return {body.first(h.cbKey), body.subspan(h.cbKey, h.cbKey), body.subspan(2ull * h.cbKey)};
}

RsaPublic parse_rsa_public(std::span<const std::uint8_t> blob) {
  const auto h = read_header<BCRYPT_RSAKEY_BLOB>(blob, "BCRYPT_RSAPUBLIC_BLOB");
  if (h.Magic != BCRYPT_RSAPUBLIC_MAGIC) fail(NTE_BAD_DATA, "BCRYPT_RSAPUBLIC_BLOB has the wrong magic");
  if (h.cbPublicExp == 0 || h.cbPublicExp > 8 || h.cbModulus == 0 || h.cbModulus > 2048 ||
      blob.size() != sizeof h + std::size_t{h.cbPublicExp} + h.cbModulus) {
    fail(NTE_BAD_DATA, "BCRYPT_RSAPUBLIC_BLOB lengths are inconsistent");
  }
  const auto body = blob.subspan(sizeof h);
  return {body.first(h.cbPublicExp), body.subspan(h.cbPublicExp)};
}

DhParameters parse_dh_parameters(std::span<const std::uint8_t> blob) {
  const auto h = read_header<BCRYPT_DH_PARAMETER_HEADER>(blob, "BCRYPT_DH_PARAMETERS");
  if (h.dwMagic != BCRYPT_DH_PARAMETERS_MAGIC) fail(NTE_BAD_DATA, "DH parameters have the wrong magic");
  if (h.cbKeyLength == 0 || h.cbKeyLength > 1024 || h.cbLength != blob.size() ||
      blob.size() != sizeof h + 2ull * h.cbKeyLength) {
    fail(NTE_BAD_DATA, "DH parameter lengths are inconsistent");
  }
  const auto body = blob.subspan(sizeof h);
  return {body.first(h.cbKeyLength), body.subspan(h.cbKeyLength)};
}

// Blobs are written into a buffer sized up front: header, then fields, each
// right-aligned (left-padded with zeros) in its fixed-width slot.
class BlobWriter {
 public:
  explicit BlobWriter(std::size_t size) : out_(size, 0) {}
  template <class Header>
  void header(const Header& h) {
    std::memcpy(out_.data(), &h, sizeof h);
    at_ = sizeof h;
  }
  void field(std::span<const std::uint8_t> value, std::size_t width) {
    const std::size_t n = std::min(value.size(), width);
    std::memcpy(out_.data() + at_ + (width - n), value.data() + (value.size() - n), n);
    at_ += width;
  }
  std::vector<std::uint8_t> take() { return std::move(out_); }

 private:
  std::vector<std::uint8_t> out_;
  std::size_t at_ = 0;
};

std::vector<std::uint8_t> ecc_public_blob(const core::NamedCurve& curve, std::span<const std::uint8_t> point) {
  // point = 04 || X || Y
  const std::size_t c = curve.coordinate_bytes;
  BlobWriter w(sizeof(BCRYPT_ECCKEY_BLOB) + 2 * c);
  w.header(BCRYPT_ECCKEY_BLOB{ecdh_magic(curve), curve.coordinate_bytes});
  w.field(point.subspan(1, c), c);
  w.field(point.subspan(1 + c, c), c);
  return w.take();
}

std::vector<std::uint8_t> ssl_ecc_public_blob(const core::NamedCurve& curve, std::span<const std::uint8_t> value) {
  BlobWriter w(sizeof(SSL_ECCKEY_BLOB) + value.size());
  w.header(SSL_ECCKEY_BLOB{curve.group, static_cast<ULONG>(value.size())});
  w.field(value, value.size());
  return w.take();
}

std::vector<std::uint8_t> ec_public_blob(const core::NamedCurve& curve, std::span<const std::uint8_t> value,
                                         std::u16string_view type) {
  if (type == std::u16string_view(SSL_ECCPUBLIC_BLOB)) return ssl_ecc_public_blob(curve, value);
  if (type == std::u16string_view(BCRYPT_ECCPUBLIC_BLOB)) {
    // CNG's ECCPUBLICBLOB is X and Y; an x25519 key has only u.
    if (curve.montgomery()) fail(NTE_NOT_SUPPORTED, "an x25519 key exports as SSL_ECCPUBLIC_BLOB (SSLECCPUBLICBLOB)");
    return ecc_public_blob(curve, value);
  }
  fail(NTE_NOT_SUPPORTED, "an EC key exports as BCRYPT_ECCPUBLIC_BLOB or SSL_ECCPUBLIC_BLOB");
}

std::vector<std::uint8_t> dh_public_blob(std::span<const std::uint8_t> prime, std::span<const std::uint8_t> generator,
                                         std::span<const std::uint8_t> y) {
  const std::size_t n = prime.size();
  BlobWriter w(sizeof(BCRYPT_DH_KEY_BLOB) + 3 * n);
  w.header(BCRYPT_DH_KEY_BLOB{BCRYPT_DH_PUBLIC_MAGIC, static_cast<ULONG>(n)});
  w.field(prime, n);
  w.field(generator, n);
  w.field(y, n);
  return w.take();
}

std::vector<std::uint8_t> rsa_public_blob(std::span<const std::uint8_t> modulus, std::span<const std::uint8_t> exponent) {
  BlobWriter w(sizeof(BCRYPT_RSAKEY_BLOB) + exponent.size() + modulus.size());
  w.header(BCRYPT_RSAKEY_BLOB{BCRYPT_RSAPUBLIC_MAGIC, static_cast<ULONG>(modulus.size() * 8),
                              static_cast<ULONG>(exponent.size()), static_cast<ULONG>(modulus.size()), 0, 0});
  w.field(exponent, exponent.size());
  w.field(modulus, modulus.size());
  return w.take();
}

}  // namespace sslp11::abi
