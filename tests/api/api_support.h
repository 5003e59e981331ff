// Shared by the API-contract tests (tests/api): statuses that print by name,
// RAII for Ssl* handles and buffers, NCryptBufferDesc parameter lists, and the
// few token fixtures a contract test needs beyond SslOpenProvider (an ECDHE
// key pair, a master key, a certificate-bound RSA key on the token).
//
// Everything here drives sslp11 through the public Ssl* API, except
// TokenRsaKey, which plays the part of `sslp11-admin import`: it puts a key
// pair and its certificate on the test token directly over PKCS#11.
#pragma once

#include <gtest/gtest.h>
#include <sslp11/sslprovider.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "pkcs11/attributes.h"
#include "pkcs11/module.h"
#include "pkcs11/token.h"
#include "support/provider_env.h"
#include "support/test_handle.h"
#include "support/test_tokens.h"

#include "abi/guard.h"

namespace sslp11::test {

// ---------------------------------------------------------------------------
// Statuses
// ---------------------------------------------------------------------------

// A SECURITY_STATUS that gtest prints as "NTE_BAD_FLAGS (0x80090009)".
struct Status {
  SECURITY_STATUS value;
  friend bool operator==(Status a, Status b) { return a.value == b.value; }
};

// The provider's own name table (abi/guard.h); "?" where it names none.
inline const char* status_name(SECURITY_STATUS s) {
  const char* name = abi::status_name(s);
  return *name != '\0' ? name : "?";
}

inline void PrintTo(const Status& s, std::ostream* os) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08X", static_cast<unsigned>(s.value));
  *os << status_name(s.value) << " (" << hex << ")";
}

// EXPECT_STATUS(NTE_BAD_FLAGS, SslFoo(...)): on failure prints both statuses
// by name, the call, and sslp11's explanation of the status it returned.
#define EXPECT_STATUS(expected, call)                                           \
  EXPECT_EQ(::sslp11::test::Status{(call)}, ::sslp11::test::Status{(expected)}) \
      << "  call: " << #call << "\n  sslp11 says: " << ::sslp11::test::last_error()
#define ASSERT_STATUS(expected, call)                                           \
  ASSERT_EQ(::sslp11::test::Status{(call)}, ::sslp11::test::Status{(expected)}) \
      << "  call: " << #call << "\n  sslp11 says: " << ::sslp11::test::last_error()
#define ASSERT_OK(call) ASSERT_STATUS(ERROR_SUCCESS, call)
#define EXPECT_OK(call) EXPECT_STATUS(ERROR_SUCCESS, call)

// ---------------------------------------------------------------------------
// Strings
// ---------------------------------------------------------------------------

// UTF-16 -> printable ASCII (non-ASCII becomes '?'), for assertions whose
// failure messages should be readable.
inline std::string ascii(std::u16string_view s) {
  std::string out;
  for (char16_t c : s) out += c < 0x80 ? static_cast<char>(c) : '?';
  return out;
}
// A WCHAR array field, up to its terminator.
inline std::string ascii(const WCHAR* s, std::size_t capacity) {
  std::size_t n = 0;
  while (n < capacity && s[n] != 0) ++n;
  return ascii(std::u16string_view(s, n));
}

// ---------------------------------------------------------------------------
// Handles and buffers
// ---------------------------------------------------------------------------

// An NCRYPT_* handle released with SslFreeObject (sslprovider.hpp), plus
// free_keep_value() for negative tests.
using Handle = TestHandle;

// Memory returned by sslp11, released with SslFreeBuffer.
template <class T>
class Buffer {
 public:
  Buffer() = default;
  ~Buffer() { reset(); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  T* get() const { return p_; }
  T* operator->() const { return p_; }
  T** out() {
    reset();
    return &p_;
  }
  void reset() {
    if (p_ != nullptr) {
      EXPECT_EQ(SslFreeBuffer(p_), ERROR_SUCCESS);
    }
    p_ = nullptr;
  }

 private:
  T* p_ = nullptr;
};

// A provider property or key property as bytes (SslGet*Property output).
struct PropertyValue {
  SECURITY_STATUS status = 0;
  std::vector<BYTE> bytes;
  DWORD reported_size = 0;

  std::optional<DWORD> dword() const {
    if (bytes.size() != sizeof(DWORD)) return std::nullopt;
    DWORD v;
    std::memcpy(&v, bytes.data(), sizeof v);
    return v;
  }
  // A NUL-terminated UTF-16 value; "<not NUL-terminated>" otherwise.
  std::string text() const {
    if (bytes.size() < 2 || bytes.size() % 2 != 0 || bytes[bytes.size() - 1] != 0 || bytes[bytes.size() - 2] != 0) {
      return "<not NUL-terminated UTF-16>";
    }
    std::u16string s(bytes.size() / 2 - 1, u'\0');
    std::memcpy(s.data(), bytes.data(), s.size() * 2);
    return ascii(s);
  }
};

inline PropertyValue key_property(NCRYPT_KEY_HANDLE key, LPCWSTR name) {
  PropertyValue v;
  PBYTE out = nullptr;
  v.status = SslGetKeyProperty(key, name, &out, &v.reported_size, 0);
  if (v.status == ERROR_SUCCESS && out != nullptr) {
    v.bytes.assign(out, out + v.reported_size);
    EXPECT_EQ(SslFreeBuffer(out), ERROR_SUCCESS);
  }
  return v;
}

inline PropertyValue provider_property(NCRYPT_PROV_HANDLE provider, LPCWSTR name) {
  PropertyValue v;
  PBYTE out = nullptr;
  v.status = SslGetProviderProperty(provider, name, &out, &v.reported_size, nullptr, 0);
  if (v.status == ERROR_SUCCESS && out != nullptr) {
    v.bytes.assign(out, out + v.reported_size);
    EXPECT_EQ(SslFreeBuffer(out), ERROR_SUCCESS);
  }
  return v;
}

// Every suite SslEnumCipherSuites returns for `protocol`, in order; each
// struct and the enumeration state are released with SslFreeBuffer.
// `state_returned`, when given, says whether the first call handed back an
// enumeration state. The enumeration lists TLS 1.2 suites, then TLS 1.3 ones
// (0x0304); the TLS 1.2 contract tests ask for 0x0303 only.
inline std::vector<NCRYPT_SSL_CIPHER_SUITE> enum_cipher_suites(NCRYPT_PROV_HANDLE p, bool* state_returned = nullptr,
                                                               DWORD protocol = TLS1_2_PROTOCOL_VERSION) {
  std::vector<NCRYPT_SSL_CIPHER_SUITE> out;
  PVOID state = nullptr;
  for (int guard = 0; guard < 1000; ++guard) {
    NCRYPT_SSL_CIPHER_SUITE* s = nullptr;
    const SECURITY_STATUS status = SslEnumCipherSuites(p, 0, &s, &state, 0);
    if (status == NTE_NO_MORE_ITEMS) break;
    EXPECT_OK(status);
    if (status != ERROR_SUCCESS || s == nullptr) break;
    if (s->dwProtocol == protocol) out.push_back(*s);
    EXPECT_OK(SslFreeBuffer(s));
  }
  if (state_returned != nullptr) *state_returned = state != nullptr;
  if (state != nullptr) {
    EXPECT_OK(SslFreeBuffer(state));
  }
  return out;
}

// A handle value no sslp11 call ever returned (handles are 16-aligned).
constexpr NCRYPT_HANDLE kForgedHandle = 0x0BADC0DE5EED1237u;

// ---------------------------------------------------------------------------
// Parameter lists
// ---------------------------------------------------------------------------

// An NCryptBufferDesc under construction; buffers point at caller memory.
class ParamList {
 public:
  ParamList& add(ULONG type, const void* data, ULONG size) {
    buffers_.push_back(NCryptBuffer{size, type, const_cast<void*>(data)});
    return *this;
  }
  NCryptBufferDesc* desc() {
    desc_.ulVersion = NCRYPTBUFFER_VERSION;
    desc_.cBuffers = static_cast<ULONG>(buffers_.size());
    desc_.pBuffers = buffers_.empty() ? nullptr : buffers_.data();
    return &desc_;
  }
  std::vector<NCryptBuffer>& buffers() { return buffers_; }

 private:
  std::vector<NCryptBuffer> buffers_;
  NCryptBufferDesc desc_{};
};

// ClientHello.random and ServerHello.random (fixed, distinct patterns).
struct Randoms {
  std::array<BYTE, 32> client{};
  std::array<BYTE, 32> server{};
  Randoms() {
    for (std::size_t i = 0; i < 32; ++i) {
      client[i] = static_cast<BYTE>(0x10 + i);
      server[i] = static_cast<BYTE>(0xA0 + i);
    }
  }
  // {CLIENT_RANDOM, SERVER_RANDOM}
  ParamList list() {
    ParamList p;
    p.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, client.data(), 32).add(NCRYPTBUFFER_SSL_SERVER_RANDOM, server.data(), 32);
    return p;
  }
};

// ---------------------------------------------------------------------------
// Keys made through the API
// ---------------------------------------------------------------------------

constexpr DWORD kTls12 = TLS1_2_PROTOCOL_VERSION;
constexpr DWORD kUnknownSuite = 0x1234;  // no IANA suite

// Our ephemeral key, a second ephemeral key standing in for the peer, and the
// peer's public half imported through SslImportKey (the ECDHE client's view).
struct EcdheKeys {
  Handle own;
  Handle peer_ephemeral;
  Handle peer_public;
};

inline EcdheKeys make_ecdhe(NCRYPT_PROV_HANDLE p, DWORD suite, DWORD group = TLS_ECC_P256_CURVE_KEY_TYPE) {
  EcdheKeys k;
  EXPECT_EQ(SslCreateEphemeralKey(p, k.own.out(), kTls12, suite, group, 0, nullptr, 0, 0), ERROR_SUCCESS)
      << last_error();
  EXPECT_EQ(SslCreateEphemeralKey(p, k.peer_ephemeral.out(), kTls12, suite, group, 0, nullptr, 0, 0), ERROR_SUCCESS)
      << last_error();
  std::array<BYTE, 256> blob{};
  DWORD n = 0;
  EXPECT_EQ(SslExportKey(p, k.peer_ephemeral.get(), BCRYPT_ECCPUBLIC_BLOB, blob.data(), blob.size(), &n, 0),
            ERROR_SUCCESS)
      << last_error();
  EXPECT_EQ(SslImportKey(p, k.peer_public.out(), BCRYPT_ECCPUBLIC_BLOB, blob.data(), n, 0), ERROR_SUCCESS)
      << last_error();
  return k;
}

// An ECDHE master key (client side unless told otherwise).
inline Handle make_master(NCRYPT_PROV_HANDLE p, const EcdheKeys& k, DWORD suite, Randoms& r,
                          DWORD flags = NCRYPT_SSL_CLIENT_FLAG) {
  Handle master;
  ParamList params = r.list();
  EXPECT_EQ(SslGenerateMasterKey(p, k.own.get(), k.peer_public.get(), master.out(), kTls12, suite, params.desc(),
                                 nullptr, 0, nullptr, flags),
            ERROR_SUCCESS)
      << last_error();
  return master;
}

// RFC 7919 ffdhe2048 as BCRYPT_DH_PARAMETERS (header, p, g).
inline std::vector<BYTE> ffdhe2048_parameters() {
  static constexpr std::string_view kPrimeHex =
      "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695A9E13641146433FBCC939DCE249B3EF97D2FE36363"
      "0C75D8F681B202AEC4617AD3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935984F0C70E0E68B77E2A6"
      "89DAF3EFE8721DF158A136ADE73530ACCA4F483A797ABC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394D"
      "F4AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F619172FE9CE98583FF8E4F1232EEF28183C3FE3B1B"
      "4C6FAD733BB5FCBC2EC22005C58EF1837D1683B2C6F34A26C1B2EFFA886B423861285C97FFFFFFFFFFFFFFFF";
  constexpr ULONG kBytes = 256;
  BCRYPT_DH_PARAMETER_HEADER h{static_cast<ULONG>(sizeof(BCRYPT_DH_PARAMETER_HEADER) + 2 * kBytes),
                               BCRYPT_DH_PARAMETERS_MAGIC, kBytes};
  std::vector<BYTE> out(sizeof h + 2 * kBytes, 0);
  std::memcpy(out.data(), &h, sizeof h);
  for (std::size_t i = 0; i < kBytes; ++i) {
    out[sizeof h + i] = static_cast<BYTE>(std::stoul(std::string(kPrimeHex.substr(2 * i, 2)), nullptr, 16));
  }
  out.back() = 2;  // g = 2, left-padded to the prime length
  return out;
}

// ---------------------------------------------------------------------------
// A certificate-bound RSA key on the token
// ---------------------------------------------------------------------------

// An RSA-2048 key pair and a certificate object sharing its CKA_ID, created as
// session objects on the test token (what `sslp11-admin import` leaves behind,
// minus persistence): SslOpenPrivateKey finds the key through cert_context().
// The "certificate" is an opaque DER-looking byte string unique to this
// fixture; sslp11 matches it by CKA_VALUE and does not parse it.
class TokenRsaKey {
 public:
  explicit TokenRsaKey(const TokenSpec& spec) {
    module_ = p11::Module::load(spec.module_path, spec.init_args);
    p11::TokenSelector selector;
    selector.label = spec.label;
    selector.serial = spec.serial;
    slot_ = p11::select_token(*module_, selector).id;
    session_ = api().C_OpenSession(slot_, CKF_RW_SESSION);
    if (spec.login_required) {
      try {
        const auto* pin = reinterpret_cast<const CK_UTF8CHAR*>(spec.user_pin.data());
        api().C_Login(session_, CKU_USER, {pin, spec.user_pin.size()});
      } catch (const p11::Error& e) {
        if (e.rv() != CKR_USER_ALREADY_LOGGED_IN) throw;
      }
    }
    id_.resize(16);
    api().C_GenerateRandom(session_, id_);

    const std::array<std::uint8_t, 3> f4{0x01, 0x00, 0x01};
    p11::AttributeTemplate pub;
    pub.add_ulong(CKA_CLASS, CKO_PUBLIC_KEY)
        .add_ulong(CKA_KEY_TYPE, CKK_RSA)
        .add_bool(CKA_TOKEN, false)
        .add_ulong(CKA_MODULUS_BITS, 2048)
        .add_bytes(CKA_PUBLIC_EXPONENT, f4)
        .add_bool(CKA_ENCRYPT, true)
        .add_bool(CKA_WRAP, true)
        .add_bool(CKA_VERIFY, true)
        .add_bytes(CKA_ID, id_);
    p11::AttributeTemplate priv;
    priv.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY)
        .add_ulong(CKA_KEY_TYPE, CKK_RSA)
        .add_bool(CKA_TOKEN, false)
        .add_bool(CKA_PRIVATE, true)
        .add_bool(CKA_SENSITIVE, true)
        .add_bool(CKA_DECRYPT, true)
        .add_bool(CKA_UNWRAP, true)
        .add_bool(CKA_SIGN, true)
        .add_bytes(CKA_ID, id_);
    CK_MECHANISM gen{CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
    api().C_GenerateKeyPair(session_, gen, pub.span(), priv.span(), public_, private_);
    modulus_ = p11::read_bytes(api(), session_, public_, CKA_MODULUS).value_or(std::vector<std::uint8_t>{});
    exponent_ = p11::read_bytes(api(), session_, public_, CKA_PUBLIC_EXPONENT).value_or(std::vector<std::uint8_t>{});

    der_ = {0x30, 0x82, 0x00, 0x14, 0x04, 0x10};  // SEQUENCE { OCTET STRING id }: unique per fixture
    der_.insert(der_.end(), id_.begin(), id_.end());
    const std::array<std::uint8_t, 2> empty_name{0x30, 0x00};
    const std::array<std::uint8_t, 3> serial{0x02, 0x01, 0x01};
    p11::AttributeTemplate cert;  // NSS softoken insists on subject, issuer and serial
    cert.add_ulong(CKA_CLASS, CKO_CERTIFICATE)
        .add_ulong(CKA_CERTIFICATE_TYPE, CKC_X_509)
        .add_bool(CKA_TOKEN, false)
        .add_bytes(CKA_SUBJECT, empty_name)
        .add_bytes(CKA_ISSUER, empty_name)
        .add_bytes(CKA_SERIAL_NUMBER, serial)
        .add_bytes(CKA_VALUE, der_)
        .add_bytes(CKA_ID, id_);
    certificate_ = api().C_CreateObject(session_, cert.span());
  }

  ~TokenRsaKey() {
    for (CK_OBJECT_HANDLE o : {certificate_, private_, public_}) {
      try {
        if (o != CK_INVALID_HANDLE) api().C_DestroyObject(session_, o);
      } catch (const p11::Error&) {
      }
    }
    try {
      api().C_CloseSession(session_);
    } catch (const p11::Error&) {
    }
  }
  TokenRsaKey(const TokenRsaKey&) = delete;
  TokenRsaKey& operator=(const TokenRsaKey&) = delete;

  // What SslOpenPrivateKey takes. Valid while this object lives.
  const CERT_CONTEXT* cert_context() {
    context_ = CERT_CONTEXT{X509_ASN_ENCODING, der_.data(), static_cast<DWORD>(der_.size()), nullptr, nullptr};
    return &context_;
  }

  // BCRYPT_RSAPUBLIC_BLOB of the key pair (the "server certificate's" key).
  std::vector<BYTE> public_blob() const {
    BCRYPT_RSAKEY_BLOB h{BCRYPT_RSAPUBLIC_MAGIC,
                         static_cast<ULONG>(modulus_.size() * 8),
                         static_cast<ULONG>(exponent_.size()),
                         static_cast<ULONG>(modulus_.size()),
                         0,
                         0};
    std::vector<BYTE> out(sizeof h);
    std::memcpy(out.data(), &h, sizeof h);
    out.insert(out.end(), exponent_.begin(), exponent_.end());
    out.insert(out.end(), modulus_.begin(), modulus_.end());
    return out;
  }
  std::size_t modulus_bytes() const { return modulus_.size(); }

 private:
  const p11::Api& api() const { return module_->api(); }

  std::shared_ptr<p11::Module> module_;
  CK_SLOT_ID slot_ = 0;
  CK_SESSION_HANDLE session_ = CK_INVALID_HANDLE;
  std::vector<std::uint8_t> id_;
  std::vector<std::uint8_t> modulus_, exponent_;
  std::vector<std::uint8_t> der_;
  CK_OBJECT_HANDLE public_ = CK_INVALID_HANDLE, private_ = CK_INVALID_HANDLE, certificate_ = CK_INVALID_HANDLE;
  CERT_CONTEXT context_{};
};

// An imported RSA public key (BCRYPT_RSAPUBLIC_BLOB) on provider `p`.
inline Handle import_rsa_public(NCRYPT_PROV_HANDLE p, const TokenRsaKey& key) {
  Handle h;
  auto blob = key.public_blob();
  EXPECT_EQ(SslImportKey(p, h.out(), BCRYPT_RSAPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), 0),
            ERROR_SUCCESS)
      << last_error();
  return h;
}

// Sets an environment variable for one scope, restoring the old value.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

}  // namespace sslp11::test
