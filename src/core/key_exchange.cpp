#include "core/key_exchange.h"

#include <algorithm>
#include <array>

#include "core/ec_point_check.h"
#include "core/error.h"
#include "core/templates.h"
#include "pkcs11/attributes.h"
#include "pkcs11/ec_curves.h"

namespace sslp11::core {

namespace {

using Bytes = std::vector<std::uint8_t>;

const std::shared_ptr<p11::SessionPool>& pool_of(const Provider& p) { return p.token()->pool(); }

std::shared_ptr<MasterKey> new_master(const Provider& provider, const MasterRequest& r, MasterResult result,
                                      std::vector<p11::Object> leftovers = {}) {
  const auto& token = provider.token();
  return std::make_shared<MasterKey>(token, r.protocol, *r.suite, r.role, token->path(),
                                     /*extended=*/r.input.session_hash.has_value(), std::move(result.secret),
                                     std::move(leftovers), r.input.wrappable);
}

// Masters of a pool whose members all hold the pool key are made extractable
// (core/pool_blobs.h); every other master is not.
void mark_wrappable(const Provider& provider, MasterRequest& r) {
  r.input.wrappable = provider.pool()->masters_wrappable();
}

// Left-pad a big-endian integer to `size` bytes.
Bytes left_pad(std::span<const std::uint8_t> v, std::size_t size) {
  Bytes out(size > v.size() ? size - v.size() : 0, 0);
  out.insert(out.end(), v.begin(), v.end());
  return out;
}

// Z = (EC)DH(own private key, peer public value) as a token object.
CK_OBJECT_HANDLE derive_shared_secret(const p11::Lease& lease, const EphemeralKey& own, Bytes& peer_value,
                                      p11::AttributeTemplate& tmpl) {
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  CK_ECDH1_DERIVE_PARAMS ecdh{CKD_NULL, 0, nullptr, peer_value.size(), peer_value.data()};
  CK_MECHANISM mech = own.kind == ExchangeKind::ec
                          ? CK_MECHANISM{CKM_ECDH1_DERIVE, &ecdh, sizeof ecdh}
                          : CK_MECHANISM{CKM_DH_PKCS_DERIVE, peer_value.data(), peer_value.size()};
  try {
    lease.api().C_DeriveKey(lease.handle(), mech, own.private_key.handle(), tmpl.span(), &h);
  } catch (const p11::Error& e) {
    // Tokens reject a point off the curve (or a DH value out of range) with
    // different codes; callers get one answer: the peer's key is bad data.
    if (p11::is_session_lost(e.rv()) || e.rv() == CKR_HOST_MEMORY || e.rv() == CKR_DEVICE_MEMORY) throw;
    throw Error(Fault::bad_data,
                "the token refused the peer's public key (" + std::string(p11::rv_name(e.rv())) + ")");
  }
  return h;
}

// TLS strips leading zero bytes from a DH Z (RFC 5246 §8.1.2), and the HMAC
// key of the composed PRF must be exactly that; SoftHSMv2 instead returns Z
// padded to the prime length and needs that length in the template. On the
// composed path (where the PRF output crosses host memory anyway) Z is derived
// readable, stripped in a wiped buffer and re-created as a sensitive object.
p11::Object dh_premaster_stripped(const std::shared_ptr<p11::SessionPool>& pool, const EphemeralKey& own,
                                  Bytes& peer_value, std::size_t& z_len) {
  return pool->run([&](p11::Lease& lease) {
    auto readable = templates::readable_secret(own.prime.size());
    p11::Object padded(pool, lease, derive_shared_secret(lease, own, peer_value, readable));
    auto value = p11::read_secret_bytes(lease.api(), lease.handle(), padded.handle(), CKA_VALUE);
    padded.reset(lease);
    if (!value) throw Error(Fault::internal, "the token did not return the DH shared secret");
    const p11::SecureBytes& z = *value;
    std::size_t skip = 0;
    while (skip + 1 < z.size() && z.data()[skip] == 0) ++skip;
    z_len = z.size() - skip;
    auto t = templates::premaster(0);
    t.add_bytes(CKA_VALUE, z.span().subspan(skip));
    return p11::Object(pool, lease, lease.api().C_CreateObject(lease.handle(), t.span()));
  });
}

}  // namespace

std::vector<std::uint8_t> decode_ec_point(std::span<const std::uint8_t> attr, std::size_t coordinate_bytes) {
  try {
    return p11::decode_ec_point(attr, coordinate_bytes);
  } catch (const p11::LayerError& e) {
    throw Error(Fault::bad_data, e.what());
  }
}

std::vector<std::uint8_t> decode_public_value(std::span<const std::uint8_t> attr, const NamedCurve& curve) {
  try {
    return p11::decode_public_value(attr, curve.coordinate_bytes, curve.form);
  } catch (const p11::LayerError& e) {
    throw Error(Fault::bad_data, e.what());
  }
}

std::shared_ptr<EphemeralKey> create_ec_ephemeral(const Provider& provider, const NamedCurve& curve) {
  auto pub_t = templates::ec_public(curve.der_oid);
  auto priv_t = templates::exchange_private();
  const auto& pool = pool_of(provider);
  // Out here, not in the lease's scope: on a failure they are destroyed
  // after the lease is returned, as a half-made key's would be.
  p11::Object private_key, public_key;
  Bytes public_value;
  const CK_MECHANISM_TYPE generator = key_pair_mechanism(curve, provider.token()->capabilities());
  pool->run([&](p11::Lease& lease) {
    CK_MECHANISM mech{generator, nullptr, 0};
    CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
    lease.api().C_GenerateKeyPair(lease.handle(), mech, pub_t.span(), priv_t.span(), pub, priv);
    public_key = p11::Object(pool, lease, pub);
    private_key = p11::Object(pool, lease, priv);
    // One C_GetAttributeValue into a buffer that fits any named curve's point
    // (P-521 DER-wrapped: 3 + 133 bytes) instead of a length query first: this
    // runs on every handshake, and the raw floor makes one call here too.
    std::array<std::uint8_t, 160> point{};
    CK_ATTRIBUTE attr{CKA_EC_POINT, point.data(), point.size()};
    const CK_RV rv = lease.api().C_GetAttributeValue(lease.handle(), pub, {&attr, 1});
    if (rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID ||
        attr.ulValueLen == CK_UNAVAILABLE_INFORMATION) {
      throw Error(Fault::internal, "the token did not return the EC public point");
    }
    if (rv != CKR_OK) throw p11::Error(rv, "C_GetAttributeValue");
    public_value = decode_public_value({point.data(), attr.ulValueLen}, curve);
    // The public half lives on in host memory; its token object is no longer needed.
    public_key.reset(lease);
    return 0;
  });
  return std::make_shared<EphemeralKey>(provider.token(), curve, std::move(public_value), std::move(private_key));
}

std::shared_ptr<EphemeralKey> create_dh_ephemeral(const Provider& provider, std::span<const std::uint8_t> prime,
                                                  std::span<const std::uint8_t> generator) {
  auto pub_t = templates::dh_public(prime, generator);
  auto priv_t = templates::exchange_private();
  const auto& pool = pool_of(provider);
  p11::Object private_key, public_key;  // out here as in create_ec_ephemeral
  Bytes public_value;
  pool->run([&](p11::Lease& lease) {
    CK_MECHANISM mech{CKM_DH_PKCS_KEY_PAIR_GEN, nullptr, 0};
    CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
    lease.api().C_GenerateKeyPair(lease.handle(), mech, pub_t.span(), priv_t.span(), pub, priv);
    public_key = p11::Object(pool, lease, pub);
    private_key = p11::Object(pool, lease, priv);
    auto y = p11::read_bytes(lease.api(), lease.handle(), pub, CKA_VALUE);
    if (!y) throw Error(Fault::internal, "the token did not return the DH public value");
    public_value = left_pad(*y, prime.size());
    public_key.reset(lease);
    return 0;
  });
  return std::make_shared<EphemeralKey>(provider.token(), Bytes(prime.begin(), prime.end()),
                                        Bytes(generator.begin(), generator.end()), std::move(public_value),
                                        std::move(private_key));
}

std::shared_ptr<PublicKey> import_ec_public(const Provider& provider, const NamedCurve& curve,
                                            std::span<const std::uint8_t> x, std::span<const std::uint8_t> y) {
  if (!ec_point_is_valid(curve, x, y)) {
    throw Error(Fault::bad_data, "the EC public key is not a point of " + std::string(curve.name) +
                                     " (off the curve, a coordinate not below the field prime, or the "
                                     "point at infinity)");
  }
  Bytes point{0x04};
  point.insert(point.end(), x.begin(), x.end());
  point.insert(point.end(), y.begin(), y.end());
  return std::make_shared<PublicKey>(provider.token(), curve, std::move(point));
}

std::shared_ptr<PublicKey> import_montgomery_public(const Provider& provider, const NamedCurve& curve,
                                                    std::span<const std::uint8_t> u) {
  if (u.size() != curve.coordinate_bytes) {
    throw Error(Fault::bad_data, "an " + std::string(curve.name) + " public key is " +
                                     std::to_string(curve.coordinate_bytes) + " bytes, not " + std::to_string(u.size()));
  }
  if (!x25519_public_is_valid(u)) {
    throw Error(Fault::bad_data, "the " + std::string(curve.name) +
                                     " public key has small order: the shared secret would be all zeros "
                                     "(RFC 7748 section 6.1)");
  }
  return std::make_shared<PublicKey>(provider.token(), curve, Bytes(u.begin(), u.end()));
}

std::shared_ptr<PublicKey> import_dh_public(const Provider& provider, std::span<const std::uint8_t> prime,
                                            std::span<const std::uint8_t> generator, std::span<const std::uint8_t> y) {
  return std::make_shared<PublicKey>(provider.token(), Bytes(prime.begin(), prime.end()),
                                     Bytes(generator.begin(), generator.end()), Bytes(y.begin(), y.end()));
}

std::shared_ptr<PublicKey> import_rsa_public(const Provider& provider, std::span<const std::uint8_t> modulus,
                                             std::span<const std::uint8_t> exponent) {
  auto t = templates::rsa_public(modulus, exponent);
  const auto& pool = pool_of(provider);
  p11::Object rsa_object = pool->run([&](p11::Lease& lease) {
    return p11::Object(pool, lease, lease.api().C_CreateObject(lease.handle(), t.span()));
  });
  return std::make_shared<PublicKey>(provider.token(), Bytes(modulus.begin(), modulus.end()),
                                     Bytes(exponent.begin(), exponent.end()), std::move(rsa_object));
}

std::shared_ptr<MasterKey> generate_master_dh(const Provider& provider, const EphemeralKey& own,
                                              const PublicKey& peer, MasterRequest request) {
  mark_wrappable(provider, request);
  const auto& token = provider.token();
  const auto& pool = pool_of(provider);
  std::size_t z_len = 0;
  Bytes peer_value = peer.public_value;
  if (own.kind == ExchangeKind::ec) {
    if (peer.kind != ExchangeKind::ec || peer.curve != own.curve) {
      throw Error(Fault::invalid_parameter, "the peer's public key is not on the ephemeral key's curve");
    }
    z_len = own.curve->coordinate_bytes;
  } else {
    if (peer.kind != ExchangeKind::dh || peer.prime != own.prime) {
      throw Error(Fault::invalid_parameter, "the peer's DH public key is not in the ephemeral key's group");
    }
    z_len = own.prime.size();
  }
  p11::Object pms;
  if (own.kind == ExchangeKind::dh && token->path() == p11::DerivationPath::composed) {
    pms = dh_premaster_stripped(pool, own, peer_value, z_len);
  } else {
    // EC: Z is the x coordinate, fixed length. DH on the native path: no
    // length in the template, the token sizes Z (NSS strips its leading zeros).
    auto pms_t = templates::premaster(own.kind == ExchangeKind::ec ? z_len : 0);
    pms = pool->run([&](p11::Lease& lease) {
      return p11::Object(pool, lease, derive_shared_secret(lease, own, peer_value, pms_t));
    });
  }
  request.input.rsa_premaster = false;
  request.input.premaster_bytes = z_len;
  auto result = token->schedule().derive_master(pool, pms, *request.suite, request.input);
  return new_master(provider, request, std::move(result));
}

RsaPremaster generate_rsa_premaster(const Provider& provider, const PublicKey& server_key, std::uint32_t protocol,
                                    const CipherSuite& suite, std::uint16_t client_version) {
  if (server_key.kind != ExchangeKind::rsa || server_key.rsa_object.empty()) {
    throw Error(Fault::wrong_key, "RSA key exchange needs the server's RSA public key");
  }
  const auto& token = provider.token();
  const auto& pool = pool_of(provider);
  RsaPremaster out;
  p11::Object secret;  // out here, not in the lease's scope (see create_ec_ephemeral)
  const bool on_token_gen = token->path() == p11::DerivationPath::native && token->capabilities().has(p11::Feature::TlsPreMasterGen);
  pool->run([&](p11::Lease& lease) {
    CK_MECHANISM rsa{CKM_RSA_PKCS, nullptr, 0};
    if (on_token_gen) {
      // Generated in the token and wrapped to the server key there: the
      // pre-master is sensitive but must be wrap-extractable for that.
      CK_VERSION version{static_cast<CK_BYTE>(client_version >> 8), static_cast<CK_BYTE>(client_version & 0xff)};
      const CK_MECHANISM_TYPE gen = token->capabilities().has_mechanism(CKM_TLS_PRE_MASTER_KEY_GEN)
                                        ? CKM_TLS_PRE_MASTER_KEY_GEN
                                        : CKM_SSL3_PRE_MASTER_KEY_GEN;
      CK_MECHANISM mech{gen, &version, sizeof version};
      p11::AttributeTemplate t;
      t.add_ulong(CKA_CLASS, CKO_SECRET_KEY)
          .add_ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET)
          .add_bool(CKA_TOKEN, false)
          .add_bool(CKA_SENSITIVE, true)
          .add_bool(CKA_EXTRACTABLE, true)
          .add_bool(CKA_DERIVE, true);
      secret = p11::Object(pool, lease, lease.api().C_GenerateKey(lease.handle(), mech, t.span()));
      out.encrypted = lease.api().C_WrapKey(lease.handle(), rsa, server_key.rsa_object.handle(), secret.handle());
      // Wrapped once to the server; from now on it may never leave again
      // (PKCS#11 always allows CKA_EXTRACTABLE TRUE -> FALSE).
      p11::AttributeTemplate lock;
      lock.add_bool(CKA_EXTRACTABLE, false);
      lease.api().C_SetAttributeValue(lease.handle(), secret.handle(), lock.span());
    } else {
      // Composed path: random bytes from the token, encrypted by the token; the
      // 48 bytes pass through a wiped host buffer into a token object.
      p11::SecureBytes pms(48);
      lease.api().C_GenerateRandom(lease.handle(), pms.span());
      pms.data()[0] = static_cast<std::uint8_t>(client_version >> 8);
      pms.data()[1] = static_cast<std::uint8_t>(client_version & 0xff);
      Bytes encrypted(server_key.modulus.size() + 16);
      lease.api().C_EncryptInit(lease.handle(), rsa, server_key.rsa_object.handle());
      encrypted.resize(lease.api().C_Encrypt(lease.handle(), pms.span(), encrypted));
      auto t = templates::premaster(0);
      t.add_bytes(CKA_VALUE, pms.span());
      pms.clear();
      secret = p11::Object(pool, lease, lease.api().C_CreateObject(lease.handle(), t.span()));
      out.encrypted = std::move(encrypted);
    }
    return 0;
  });
  out.premaster = std::make_shared<PreMasterKey>(token, protocol, suite, std::move(secret));
  return out;
}

std::shared_ptr<MasterKey> master_from_premaster(const Provider& provider, const PreMasterKey& pms,
                                                 MasterRequest request) {
  mark_wrappable(provider, request);
  request.input.rsa_premaster = true;
  request.input.premaster_bytes = 48;
  auto result = provider.token()->schedule().derive_master(pool_of(provider), pms.secret, *request.suite, request.input);
  return new_master(provider, request, std::move(result));
}

std::shared_ptr<MasterKey> import_rsa_master(const Provider& provider, const PrivateKey& server_key,
                                             std::span<const std::uint8_t> encrypted, std::uint16_t client_version,
                                             MasterRequest request) {
  if (server_key.key_type != CKK_RSA) {
    throw Error(Fault::wrong_key, "RSA key exchange needs an RSA private key");
  }
  mark_wrappable(provider, request);
  const auto& token = provider.token();
  const auto& pool = pool_of(provider);
  request.input.rsa_premaster = true;
  request.input.premaster_bytes = 48;
  const std::uint8_t want_major = static_cast<std::uint8_t>(client_version >> 8);
  const std::uint8_t want_minor = static_cast<std::uint8_t>(client_version & 0xff);
  Bytes ciphertext(encrypted.begin(), encrypted.end());

  if (token->path() == p11::DerivationPath::native) {
    // Every path makes the same token calls: one random pre-master, one
    // unwrap attempt, two master derivations (from the unwrapped pre-master,
    // or the random one again when the unwrap failed, and from the random
    // one), and the choice between the masters is made in host code. The
    // objects not chosen are destroyed with the master key, not now.
    p11::Object random_pms = pool->run([&](p11::Lease& lease) {
      p11::SecureBytes random(48);
      lease.api().C_GenerateRandom(lease.handle(), random.span());
      random.data()[0] = want_major;
      random.data()[1] = want_minor;
      auto t = templates::premaster(0);
      t.add_bytes(CKA_VALUE, random.span());
      return p11::Object(pool, lease, lease.api().C_CreateObject(lease.handle(), t.span()));
    });
    // The token's refusal of the ciphertext is data, not an exception: the
    // same code runs whatever the client sent (an unwinding is measurable).
    p11::Object unwrapped = pool->run([&](p11::Lease& lease) {
      CK_MECHANISM rsa{CKM_RSA_PKCS, nullptr, 0};
      auto t = templates::premaster(48);
      CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
      const CK_RV rv = lease.api().C_UnwrapKey_rv(lease.handle(), rsa, server_key.handle, ciphertext, t.span(), h);
      // A lost session is the token's doing, not the client's: recover as
      // for any other call.
      if (p11::is_session_lost(rv)) throw p11::Error(rv, "C_UnwrapKey");
      return p11::Object(pool, lease, h);  // empty when the ciphertext was refused
    });
    // Tokens differ in what the unwrap of a bad ciphertext gives: NSS refuses
    // none (implicit rejection: a random message of a random length), and a
    // 47-byte plaintext becomes a 47-byte key whatever the template says,
    // which the master derive would then refuse. So the length is read on the
    // token -- the same call whatever the ciphertext -- and a wrong one picks
    // the random pre-master: the derive never meets a key it refuses.
    const p11::Object& unwrapped_or_random = unwrapped.empty() ? random_pms : unwrapped;
    const CK_ULONG length = pool->run([&](p11::Lease& lease) {
      return p11::read_ulong(lease.api(), lease.handle(), unwrapped_or_random.handle(), CKA_VALUE_LEN).value_or(0);
    });
    bool candidate_ok = !unwrapped.empty() && length == 48;
    const std::array<const p11::Object*, 2> choice{&random_pms, &unwrapped};
    const p11::Object& candidate = *choice[candidate_ok ? 1 : 0];
    MasterResult from_candidate;
    // Not reached by any ciphertext (the candidate is a 48-byte pre-master
    // and the version is checked below): only a token fault lands here.
    try {
      from_candidate = token->schedule().derive_master(pool, candidate, *request.suite, request.input);
    } catch (const p11::Error& e) {
      if (p11::is_session_lost(e.rv())) throw;
      candidate_ok = false;
    }
    MasterResult from_random = token->schedule().derive_master(pool, random_pms, *request.suite, request.input);
    if (from_candidate.premaster_version) {
      const CK_VERSION v = *from_candidate.premaster_version;
      const bool hidden = v.major == 0xff && v.minor == 0xff;  // the token will not reveal it
      candidate_ok &= hidden || (v.major == want_major && v.minor == want_minor);
    }
    std::vector<p11::Object> leftovers;
    leftovers.push_back(std::move(candidate_ok ? from_random.secret : from_candidate.secret));
    leftovers.push_back(std::move(random_pms));
    leftovers.push_back(std::move(unwrapped));
    return new_master(provider, request, std::move(candidate_ok ? from_candidate : from_random), std::move(leftovers));
  }

  // Composed path: the token decrypts into a wiped host buffer; the choice
  // between it and a random pre-master is made without branching on secrets.
  p11::Object pms = pool->run([&](p11::Lease& lease) {
    p11::SecureBytes random(48);
    lease.api().C_GenerateRandom(lease.handle(), random.span());
    // At least the modulus: a shorter buffer makes the token answer
    // CKR_BUFFER_TOO_SMALL and leave the decrypt active on a pooled session.
    p11::SecureBytes plain(std::max<std::size_t>({ciphertext.size(), std::size_t{server_key.bits / 8}, 48}));
    // The token's refusal of bad padding is data (plain_len 0), not an
    // exception: the same code runs whatever the client sent.
    CK_MECHANISM rsa{CKM_RSA_PKCS, nullptr, 0};
    lease.api().C_DecryptInit(lease.handle(), rsa, server_key.handle);
    std::size_t plain_len = 0;
    const CK_RV rv = lease.api().C_Decrypt_rv(lease.handle(), ciphertext, plain.span(), plain_len);
    if (p11::is_session_lost(rv)) throw p11::Error(rv, "C_Decrypt");
    // good = (len == 48) & (version matches), as a 0x00/0xff mask.
    std::uint8_t good = static_cast<std::uint8_t>(plain_len ^ 48) == 0 && (plain_len >> 8) == 0 ? 0xff : 0x00;
    good &= static_cast<std::uint8_t>(-static_cast<int>((plain.data()[0] ^ want_major) == 0));
    good &= static_cast<std::uint8_t>(-static_cast<int>((plain.data()[1] ^ want_minor) == 0));
    p11::SecureBytes chosen(48);
    for (std::size_t i = 0; i < 48; ++i) {
      chosen.data()[i] = static_cast<std::uint8_t>((plain.data()[i] & good) | (random.data()[i] & ~good));
    }
    chosen.data()[0] = want_major;
    chosen.data()[1] = want_minor;
    auto t = templates::premaster(0);
    t.add_bytes(CKA_VALUE, chosen.span());
    return p11::Object(pool, lease, lease.api().C_CreateObject(lease.handle(), t.span()));
  });
  auto result = token->schedule().derive_master(pool, pms, *request.suite, request.input);
  return new_master(provider, request, std::move(result));
}

}  // namespace sslp11::core
