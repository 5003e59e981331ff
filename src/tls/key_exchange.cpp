#include "tls/key_exchange.h"

#include <cstring>
#include <ostream>

#include "tls/alerts.h"
#include "tls/suites.h"

namespace sslp11::tls {

namespace {

template <class Header>
Bytes with_header(const Header& h) {
  Bytes out(sizeof h);
  std::memcpy(out.data(), &h, sizeof h);
  return out;
}

void append_padded(Bytes& out, ByteView value, std::size_t width) {
  out.insert(out.end(), width - value.size(), 0);
  out.insert(out.end(), value.begin(), value.end());
}

ByteView strip_leading_zeros(ByteView v) {
  while (v.size() > 1 && v[0] == 0) v = v.subspan(1);
  return v;
}

std::uint32_t ecdh_magic(std::uint16_t group) {
  switch (group) {
    case named_group::secp256r1: return BCRYPT_ECDH_PUBLIC_P256_MAGIC;
    case named_group::secp384r1: return BCRYPT_ECDH_PUBLIC_P384_MAGIC;
    case named_group::secp521r1: return BCRYPT_ECDH_PUBLIC_P521_MAGIC;
    default: return 0;
  }
}

Bytes export_public(const Provider& provider, NCRYPT_KEY_HANDLE key, LPCWSTR type) {
  DWORD size = 0;
  check(SslExportKey(provider.get(), key, type, nullptr, 0, &size, 0), "SslExportKey (size)");
  Bytes blob(size);
  check(SslExportKey(provider.get(), key, type, blob.data(), size, &size, 0), "SslExportKey");
  blob.resize(size);
  return blob;
}

}  // namespace

std::size_t coordinate_bytes(std::uint16_t group) {
  switch (group) {
    case named_group::secp256r1: return 32;
    case named_group::secp384r1: return 48;
    case named_group::secp521r1: return 66;
    case named_group::x25519: return 32;
    default: return 0;
  }
}

LPCWSTR ecc_blob_type(std::uint16_t group) {
  return group == named_group::x25519 ? SSL_ECCPUBLIC_BLOB : BCRYPT_ECCPUBLIC_BLOB;
}

std::vector<std::uint16_t> tls13_key_share_groups(const Provider& provider, const std::vector<std::uint16_t>& wanted,
                                                  std::ostream& log, std::string_view verb) {
  std::vector<std::uint16_t> token;
  for (const CurveInfo& c : provider.curves())
    if (coordinate_bytes(static_cast<std::uint16_t>(c.group)) != 0) token.push_back(static_cast<std::uint16_t>(c.group));
  std::vector<std::uint16_t> out;
  for (std::uint16_t g : wanted.empty() ? token : wanted) {
    if (contains(token, g)) {
      out.push_back(g);
    } else {
      log << "-- not " << verb << " " << group_name(g) << " for TLS 1.3: the token lists no such curve\n";
    }
  }
  return out;
}

Bytes ecc_public_blob(std::uint16_t group, ByteView point) {
  const std::size_t c = coordinate_bytes(group);
  if (c == 0) throw TlsFailure(AlertDescription::illegal_parameter, "unsupported curve " + group_name(group));
  if (group == named_group::x25519) {
    // RFC 8446 §4.2.8.2 / RFC 8422 §5.11: the 32-byte u-coordinate.
    if (point.size() != c) {
      throw TlsFailure(AlertDescription::illegal_parameter,
                       "the x25519 public value is " + std::to_string(point.size()) + " bytes, not 32");
    }
    Bytes blob = with_header(SSL_ECCKEY_BLOB{group, static_cast<ULONG>(c)});
    blob.insert(blob.end(), point.begin(), point.end());
    return blob;
  }
  if (point.size() != 1 + 2 * c || point[0] != 0x04) {
    throw TlsFailure(AlertDescription::illegal_parameter,
                     "the " + group_name(group) + " point is not an uncompressed point of " + std::to_string(1 + 2 * c) +
                         " bytes");
  }
  Bytes blob = with_header(BCRYPT_ECCKEY_BLOB{ecdh_magic(group), static_cast<ULONG>(c)});
  blob.insert(blob.end(), point.begin() + 1, point.end());
  return blob;
}

Bytes dh_parameters_blob(ByteView p, ByteView g) {
  const std::size_t n = p.size();
  Bytes blob = with_header(BCRYPT_DH_PARAMETER_HEADER{
      static_cast<ULONG>(sizeof(BCRYPT_DH_PARAMETER_HEADER) + 2 * n), BCRYPT_DH_PARAMETERS_MAGIC, static_cast<ULONG>(n)});
  append_padded(blob, p, n);
  append_padded(blob, g, n);
  return blob;
}

Bytes dh_public_blob(ByteView p, ByteView g, ByteView y) {
  const std::size_t n = p.size();
  const ByteView gs = strip_leading_zeros(g), ys = strip_leading_zeros(y);
  if (gs.size() > n || ys.size() > n) {
    throw TlsFailure(AlertDescription::illegal_parameter, "a DH value is longer than the prime");
  }
  Bytes blob = with_header(BCRYPT_DH_KEY_BLOB{BCRYPT_DH_PUBLIC_MAGIC, static_cast<ULONG>(n)});
  append_padded(blob, p, n);
  append_padded(blob, gs, n);
  append_padded(blob, ys, n);
  return blob;
}

Ephemeral create_ecdhe(const Provider& provider, std::uint32_t suite, std::uint16_t group, DWORD protocol) {
  Ephemeral e;
  check(SslCreateEphemeralKey(provider.get(), e.key.out(), protocol, suite, group, group_bits(group),
                              nullptr, 0, 0),
        "SslCreateEphemeralKey");
  const Bytes blob = export_public(provider, e.key.get(), ecc_blob_type(group));
  if (group == named_group::x25519) {
    SSL_ECCKEY_BLOB h{};
    if (blob.size() != sizeof h + coordinate_bytes(group)) throw std::runtime_error("SslExportKey returned a bad x25519 blob");
    e.public_value.assign(blob.begin() + sizeof h, blob.end());
    return e;
  }
  BCRYPT_ECCKEY_BLOB h{};
  if (blob.size() < sizeof h) throw std::runtime_error("SslExportKey returned a short ECC blob");
  std::memcpy(&h, blob.data(), sizeof h);
  if (h.cbKey != coordinate_bytes(group) || blob.size() != sizeof h + 2 * h.cbKey) {
    throw std::runtime_error("SslExportKey returned an ECC blob for another curve");
  }
  e.public_value.push_back(0x04);
  e.public_value.insert(e.public_value.end(), blob.begin() + sizeof h, blob.end());
  return e;
}

Ephemeral create_dhe(const Provider& provider, std::uint32_t suite, ByteView p, ByteView g) {
  Ephemeral e;
  Bytes params = dh_parameters_blob(p, g);
  check(SslCreateEphemeralKey(provider.get(), e.key.out(), TLS1_2_PROTOCOL_VERSION, suite, 0,
                              static_cast<DWORD>(p.size() * 8), params.data(), static_cast<DWORD>(params.size()), 0),
        "SslCreateEphemeralKey");
  const Bytes blob = export_public(provider, e.key.get(), BCRYPT_DH_PUBLIC_BLOB);
  BCRYPT_DH_KEY_BLOB h{};
  if (blob.size() < sizeof h) throw std::runtime_error("SslExportKey returned a short DH blob");
  std::memcpy(&h, blob.data(), sizeof h);
  if (h.cbKey != p.size() || blob.size() != sizeof h + 3 * std::size_t{h.cbKey}) {
    throw std::runtime_error("SslExportKey returned a DH blob of another size");
  }
  e.public_value.assign(blob.end() - h.cbKey, blob.end());
  return e;
}

SslObject import_peer_key(const Provider& provider, LPCWSTR blob_type, Bytes blob, const std::string& what) {
  SslObject key;
  try {
    check(SslImportKey(provider.get(), key.out(), blob_type, blob.data(), static_cast<DWORD>(blob.size()), 0),
          "SslImportKey");
  } catch (const ProviderError& e) {
    throw TlsFailure(AlertDescription::illegal_parameter, "the provider refuses " + what + ": " + e.what());
  }
  return key;
}

ParameterList master_parameters(const Random& client_random, const Random& server_random, bool ems,
                                ByteView session_hash, std::optional<std::uint16_t> highest_version) {
  ParameterList params;
  if (ems) {
    params.add(NCRYPTBUFFER_SSL_SESSION_HASH, session_hash);
  } else {
    params.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, client_random).add(NCRYPTBUFFER_SSL_SERVER_RANDOM, server_random);
  }
  if (highest_version) params.add_dword(NCRYPTBUFFER_SSL_HIGHEST_VERSION, *highest_version);
  return params;
}

ParameterList randoms(const Random& client_random, const Random& server_random) {
  ParameterList params;
  params.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, client_random).add(NCRYPTBUFFER_SSL_SERVER_RANDOM, server_random);
  return params;
}

}  // namespace sslp11::tls
