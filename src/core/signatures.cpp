#include "core/signatures.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <string>

#include "core/error.h"
#include "core/templates.h"
#include "keyfile/key_parts.h"
#include "pkcs11/attributes.h"

namespace sslp11::core {

namespace {

using Bytes = std::vector<std::uint8_t>;

// DigestInfo ::= SEQUENCE { AlgorithmIdentifier { OID, NULL }, OCTET STRING digest }
// (RFC 8017 §9.2 note 1), everything before the digest bytes.
constexpr std::array<std::uint8_t, 15> kSha1Info{0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e,
                                                 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14};
constexpr std::array<std::uint8_t, 19> kSha256Info{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                                   0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
constexpr std::array<std::uint8_t, 19> kSha384Info{0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                                   0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30};
constexpr std::array<std::uint8_t, 19> kSha512Info{0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                                   0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40};

const SignatureHash kHashes[] = {
    {u"SHA1", 20, CKM_SHA_1, CKG_MGF1_SHA1, kSha1Info},
    {u"SHA256", 32, CKM_SHA256, CKG_MGF1_SHA256, kSha256Info},
    {u"SHA384", 48, CKM_SHA384, CKG_MGF1_SHA384, kSha384Info},
    {u"SHA512", 64, CKM_SHA512, CKG_MGF1_SHA512, kSha512Info},
};

// PKCS#1 v1.5 needs at least 8 bytes of padding plus 3 framing bytes (RFC 8017 §9.2).
constexpr std::size_t kPkcs1Overhead = 11;
// The longest CNG hash name we look for a terminator in (u"SHA512" is 6).
constexpr std::size_t kMaxHashNameChars = 32;

[[noreturn]] void reject(Fault fault, const std::string& why) { throw Error(fault, why); }

// A failed C_Verify that says nothing about the signature: the call named a
// bad handle or argument, or the token ran out of memory. These pass on as
// they are; any other code means the signature did not verify.
bool is_not_about_the_signature(CK_RV rv) noexcept {
  switch (rv) {
    case CKR_KEY_HANDLE_INVALID:
    case CKR_OBJECT_HANDLE_INVALID:
    case CKR_UNWRAPPING_KEY_HANDLE_INVALID:
    case CKR_WRAPPING_KEY_HANDLE_INVALID:
    case CKR_ARGUMENTS_BAD:
    case CKR_MECHANISM_PARAM_INVALID:
    case CKR_DOMAIN_PARAMS_INVALID:
    case CKR_PIN_LEN_RANGE:
    case CKR_PIN_TOO_WEAK:
    case CKR_USER_TYPE_INVALID:
    case CKR_HOST_MEMORY:
    case CKR_DEVICE_MEMORY:
    case CKR_SESSION_COUNT:
      return true;
    default:
      return false;
  }
}

char16_t ascii_upper(char16_t c) { return (c >= u'a' && c <= u'z') ? static_cast<char16_t>(c - u'a' + u'A') : c; }

bool equal_ignoring_case(std::u16string_view a, std::u16string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char16_t x, char16_t y) { return ascii_upper(x) == ascii_upper(y); });
}

std::string ascii(std::u16string_view s) {
  std::string out;
  for (char16_t c : s) out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
  return out;
}

std::size_t modulus_bytes(const PrivateKey& key) { return (key.bits + 7) / 8; }

const NamedCurve& curve_of(const PrivateKey& key) {
  const NamedCurve* curve = find_curve_by_bits(key.bits);
  if (curve == nullptr) reject(Fault::not_supported, "the EC private key is on a curve sslp11 does not know");
  return *curve;
}

// The mechanism for a scheme. Owns the PSS parameters the CK_MECHANISM points
// at, so it must not move.
class SignatureMechanism {
 public:
  explicit SignatureMechanism(const SignatureInput& in) {
    switch (in.scheme) {
      case SignatureScheme::rsa_pkcs1_raw:
      case SignatureScheme::rsa_pkcs1:
        mech_ = {CKM_RSA_PKCS, nullptr, 0};
        break;
      case SignatureScheme::rsa_pss:
        // RFC 8446 §4.2.3: "The length of the Salt MUST be equal to the length
        // of the output of the digest algorithm", MGF1 with the same hash.
        pss_ = {in.hash->mechanism, in.hash->mgf, in.hash->bytes};
        mech_ = {CKM_RSA_PKCS_PSS, &pss_, sizeof pss_};
        break;
      case SignatureScheme::ecdsa:
        mech_ = {CKM_ECDSA, nullptr, 0};
        break;
    }
  }
  SignatureMechanism(const SignatureMechanism&) = delete;
  SignatureMechanism& operator=(const SignatureMechanism&) = delete;
  CK_MECHANISM& get() noexcept { return mech_; }

 private:
  CK_RSA_PKCS_PSS_PARAMS pss_{};
  CK_MECHANISM mech_{};
};

// The bytes the token's mechanism takes: DigestInfo||digest for PKCS#1 with a
// hash OID, the digest (or the raw value) otherwise.
Bytes token_input(const SignatureInput& in) {
  Bytes data;
  if (in.scheme == SignatureScheme::rsa_pkcs1) data.assign(in.hash->digest_info.begin(), in.hash->digest_info.end());
  data.insert(data.end(), in.digest.begin(), in.digest.end());
  return data;
}

void require_fits_key(CK_KEY_TYPE key_type, std::size_t key_bytes, const SignatureInput& in, std::size_t data_bytes) {
  const bool ec = in.scheme == SignatureScheme::ecdsa;
  if (ec != (key_type == CKK_EC)) reject(Fault::invalid_parameter, "the signature scheme does not fit the key type");
  if (ec) return;
  if ((in.scheme == SignatureScheme::rsa_pkcs1 || in.scheme == SignatureScheme::rsa_pkcs1_raw) &&
      data_bytes + kPkcs1Overhead > key_bytes) {
    reject(Fault::invalid_parameter, "the value is too long for PKCS#1 v1.5 with this RSA key");
  }
  // EMSA-PSS needs emLen >= hLen + sLen + 2 (RFC 8017 §9.1.1).
  if (in.scheme == SignatureScheme::rsa_pss && 2 * in.hash->bytes + 2 > key_bytes) {
    reject(Fault::invalid_parameter, "the RSA key is too small for PSS with this hash");
  }
}

// ---- ECDSA-Sig-Value (OpenSSL's ECDSA_SIG) ---------------------------------

struct EcdsaSigFree {
  void operator()(ECDSA_SIG* sig) const noexcept { ECDSA_SIG_free(sig); }
};
using EcdsaSig = std::unique_ptr<ECDSA_SIG, EcdsaSigFree>;

// The bytes of a DER length field; only ecdsa_der_max_bytes's arithmetic
// needs it (OpenSSL's ECDSA_size wants a key object).
std::size_t length_bytes(std::size_t len) { return len < 0x80 ? 1 : len <= 0xff ? 2 : 3; }

// ---- token objects ----------------------------------------------------------

// A session public key that only verifies (for a peer key held as bytes).
// Destroys a per-call object with the session the call holds, also when the
// verification throws (the destructor alone would borrow a second session).
class DestroyWith {
 public:
  DestroyWith(p11::Object& object, const p11::Lease& lease) : object_(object), lease_(lease) {}
  DestroyWith(const DestroyWith&) = delete;
  DestroyWith& operator=(const DestroyWith&) = delete;
  ~DestroyWith() { object_.reset(lease_); }

 private:
  p11::Object& object_;
  const p11::Lease& lease_;
};

// The signature as the token's mechanism wants it: ECDSA DER -> raw r||s.
Bytes token_signature(const SignatureInput& in, std::span<const std::uint8_t> signature, std::size_t coordinate_bytes) {
  if (in.scheme != SignatureScheme::ecdsa) return Bytes(signature.begin(), signature.end());
  auto raw = ecdsa_raw_from_der(signature, coordinate_bytes);
  if (!raw) reject(Fault::bad_signature, "the ECDSA signature is not a DER ECDSA-Sig-Value for the key's curve");
  return std::move(*raw);
}

// C_VerifyInit + C_Verify. A failure of C_Verify that is not about the
// session, a handle or the arguments means the signature is bad: NSS softoken
// reports some failed verifications as CKR_DEVICE_ERROR, not
// CKR_SIGNATURE_INVALID.
void verify_on_token(const p11::Lease& lease, const SignatureInput& in, CK_OBJECT_HANDLE key,
                     std::span<const std::uint8_t> data, std::span<const std::uint8_t> signature) {
  SignatureMechanism mech(in);
  lease.api().C_VerifyInit(lease.handle(), mech.get(), key);
  try {
    lease.api().C_Verify(lease.handle(), data, signature);
  } catch (const p11::Error& e) {
    if (p11::is_session_lost(e.rv()) || p11::is_login_lost(e.rv())) throw;
    // CKR_DEVICE_ERROR is also p11-kit-client's answer once its server is
    // gone: a bad signature only if the session still answers (one extra call,
    // on the failure path only), else the pool's recovery must see it.
    if (p11::is_connection_lost(e.rv())) {
      try {
        lease.api().C_GetSessionInfo(lease.handle());
      } catch (const p11::Error&) {
        throw e;
      }
    }
    if (is_not_about_the_signature(e.rv())) throw;
    reject(Fault::bad_signature, "the signature does not verify (" + std::string(p11::rv_name(e.rv())) + ")");
  }
}

}  // namespace

std::span<const SignatureHash> all_signature_hashes() { return kHashes; }

const SignatureHash* find_signature_hash(std::u16string_view cng_name) {
  for (const auto& h : kHashes)
    if (equal_ignoring_case(h.cng_name, cng_name)) return &h;
  return nullptr;
}

const SignatureHash* find_signature_hash_by_length(std::size_t bytes) {
  for (const auto& h : kHashes)
    if (h.bytes == bytes) return &h;
  return nullptr;
}

SignatureInput read_signature_input(SignatureScheme scheme, std::span<const std::uint8_t> value) {
  if (value.empty()) reject(Fault::invalid_parameter, "the hash value is empty");
  SignatureInput in;
  in.scheme = scheme;
  switch (scheme) {
    case SignatureScheme::rsa_pkcs1: {
      // u"SHA256\0" then the digest. Read char by char: the caller's buffer
      // need not be aligned for char16_t.
      std::u16string name;
      std::size_t pos = 0;
      for (;; pos += 2) {
        if (pos + 2 > value.size() || name.size() > kMaxHashNameChars) {
          reject(Fault::invalid_parameter, "NCRYPT_SSL_SIGN_INCLUDE_HASHOID: no NUL-terminated hash name before the hash");
        }
        char16_t c;
        std::memcpy(&c, value.data() + pos, sizeof c);
        if (c == 0) break;
        name.push_back(c);
      }
      in.hash = find_signature_hash(name);
      if (in.hash == nullptr) reject(Fault::not_supported, "no DigestInfo for hash '" + ascii(name) + "'");
      in.digest = value.subspan(pos + 2);
      if (in.digest.size() != in.hash->bytes) {
        reject(Fault::invalid_parameter, "a " + ascii(name) + " hash is " + std::to_string(in.hash->bytes) +
                                             " bytes, not " + std::to_string(in.digest.size()));
      }
      return in;
    }
    case SignatureScheme::rsa_pss:
      in.hash = find_signature_hash_by_length(value.size());
      // TLS signs with RSA-PSS over SHA-256/384/512 only (RFC 8446 §4.2.3).
      if (in.hash == nullptr || in.hash->bytes < 32) {
        reject(Fault::invalid_parameter, "an RSA-PSS hash must be 32, 48 or 64 bytes (SHA-256/384/512)");
      }
      in.digest = value;
      return in;
    case SignatureScheme::ecdsa:
      if (find_signature_hash_by_length(value.size()) == nullptr) {
        reject(Fault::invalid_parameter, "an ECDSA hash must be 20, 32, 48 or 64 bytes (SHA-1/256/384/512)");
      }
      in.digest = value;
      return in;
    case SignatureScheme::rsa_pkcs1_raw:
      in.digest = value;
      return in;
  }
  reject(Fault::invalid_parameter, "unknown signature scheme");
}

void require_signable(const PrivateKey& key, const SignatureInput& input) {
  require_fits_key(key.key_type, modulus_bytes(key), input, token_input(input).size());
}

std::size_t max_signature_bytes(const PrivateKey& key) {
  if (key.key_type == CKK_EC) return ecdsa_der_max_bytes(curve_of(key).coordinate_bytes);
  return modulus_bytes(key);
}

std::vector<std::uint8_t> sign_hash(const PrivateKey& key, const SignatureInput& input) {
  const bool ec = key.key_type == CKK_EC;
  const Bytes data = token_input(input);
  require_fits_key(key.key_type, modulus_bytes(key), input, data.size());
  // PKCS#11 gives ECDSA as r||s, each the length of the order.
  Bytes signature(ec ? 2 * curve_of(key).coordinate_bytes : modulus_bytes(key));
  const std::size_t written = key.token()->pool()->run([&](p11::Lease& lease) {
    SignatureMechanism mech(input);
    lease.api().C_SignInit(lease.handle(), mech.get(), key.handle);
    return lease.api().C_Sign(lease.handle(), data, signature);
  });
  signature.resize(written);
  if (!ec) return signature;
  if (written != 2 * curve_of(key).coordinate_bytes) {
    reject(Fault::internal, "the token returned an ECDSA signature of unexpected length " + std::to_string(written));
  }
  return ecdsa_der_from_raw(signature);
}

void verify_signature(const PublicKey& key, const SignatureInput& input, std::span<const std::uint8_t> signature) {
  const auto& pool = key.token()->pool();
  const Bytes data = token_input(input);
  switch (key.kind) {
    case ExchangeKind::rsa: {
      require_fits_key(CKK_RSA, key.modulus.size(), input, data.size());
      pool->run([&](p11::Lease& lease) {
        verify_on_token(lease, input, key.rsa_object.handle(), data, signature);
        return 0;
      });
      return;
    }
    case ExchangeKind::ec: {
      require_fits_key(CKK_EC, 0, input, data.size());
      const Bytes raw = token_signature(input, signature, key.curve->coordinate_bytes);
      auto tmpl = templates::ec_verify_public(key.curve->der_oid, keyfile::ec_point_attribute(key.public_value));
      pool->run([&](p11::Lease& lease) {
        p11::Object object(pool, lease, lease.api().C_CreateObject(lease.handle(), tmpl.span()));
        DestroyWith destroy(object, lease);
        verify_on_token(lease, input, object.handle(), data, raw);
        return 0;
      });
      return;
    }
    case ExchangeKind::dh:
      break;
  }
  reject(Fault::wrong_key, "a DH public key does not verify signatures");
}

void verify_signature(const PrivateKey& key, const SignatureInput& input, std::span<const std::uint8_t> signature) {
  const bool ec = key.key_type == CKK_EC;
  const Bytes data = token_input(input);
  require_fits_key(key.key_type, modulus_bytes(key), input, data.size());
  const Bytes raw = ec ? token_signature(input, signature, curve_of(key).coordinate_bytes)
                       : Bytes(signature.begin(), signature.end());
  key.token()->pool()->run([&](p11::Lease& lease) {
    // The public half: the CKO_PUBLIC_KEY with the private key's CKA_ID (the
    // pairing open_private_key_for_certificate relies on too).
    const p11::Api& api = lease.api();
    const auto id = p11::read_bytes(api, lease.handle(), key.handle, CKA_ID);
    if (!id || id->empty()) reject(Fault::not_found, "the private key has no CKA_ID to find its public key by");
    p11::AttributeTemplate query;
    query.add_ulong(CKA_CLASS, CKO_PUBLIC_KEY).add_ulong(CKA_KEY_TYPE, key.key_type).add_bytes(CKA_ID, *id);
    const auto found = api.find_objects(lease.handle(), query.span(), 1);
    if (found.empty()) reject(Fault::not_found, "no public key on the token has the private key's CKA_ID");
    verify_on_token(lease, input, found[0], data, raw);
    return 0;
  });
}

std::vector<std::uint8_t> ecdsa_der_from_raw(std::span<const std::uint8_t> raw) {
  if (raw.empty() || raw.size() % 2 != 0) reject(Fault::internal, "a raw ECDSA signature has two equal halves");
  const int half = static_cast<int>(raw.size() / 2);
  EcdsaSig sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(raw.data(), half, nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + half, half, nullptr);
  if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    throw std::bad_alloc();
  }
  unsigned char* der = nullptr;
  const int n = i2d_ECDSA_SIG(sig.get(), &der);
  if (n <= 0) throw std::bad_alloc();
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

std::optional<std::vector<std::uint8_t>> ecdsa_raw_from_der(std::span<const std::uint8_t> der,
                                                            std::size_t coordinate_bytes) {
  const unsigned char* p = der.data();
  const EcdsaSig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  ERR_clear_error();
  if (!sig || p != der.data() + der.size()) return std::nullopt;
  // DER only: d2i also takes BER's other forms (long lengths, padded integers); DER re-encodes to the input.
  unsigned char* again = nullptr;
  const int n = i2d_ECDSA_SIG(sig.get(), &again);
  const bool canonical = n > 0 && static_cast<std::size_t>(n) == der.size() && std::memcmp(again, der.data(), der.size()) == 0;
  OPENSSL_free(again);
  if (!canonical) return std::nullopt;
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  if (BN_is_negative(r) || BN_is_negative(s)) return std::nullopt;
  const int size = static_cast<int>(coordinate_bytes);
  Bytes raw(2 * coordinate_bytes);
  if (BN_bn2binpad(r, raw.data(), size) < 0 || BN_bn2binpad(s, raw.data() + size, size) < 0) return std::nullopt;
  return raw;
}

std::size_t ecdsa_der_max_bytes(std::size_t coordinate_bytes) {
  const std::size_t integer = 1 + length_bytes(coordinate_bytes + 1) + coordinate_bytes + 1;
  return 1 + length_bytes(2 * integer) + 2 * integer;
}

}  // namespace sslp11::core
