// TLS 1.2 records on the token. Three cipher families, one pooled session per
// record; mechanism parameters live on the stack, and the hot path makes no
// lookup calls (no C_GetAttributeValue, no C_FindObjects).
//
//   AES-GCM   5 header | 8 explicit nonce | ciphertext | 16 tag     RFC 5288
//   ChaCha20  5 header | ciphertext | 16 tag                        RFC 7905
//   AES-CBC   5 header | 16 IV | E(plaintext | MAC | padding)       RFC 5246 §6.2.3.2
#include "core/records.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "core/error.h"
#include "pkcs11/error.h"
#include "pkcs11/secure_buffer.h"

namespace sslp11::core {

namespace {

// PKCS#11 3.0's CKM_CHACHA20_POLY1305 parameter. p11-kit 0.24's pkcs11.h
// predates 3.0 and lacks it; declared here, in our namespace, so a newer
// p11-kit that has it does not clash. OASIS layout: two pointers, two CK_ULONGs.
struct CK_SALSA20_CHACHA20_POLY1305_PARAMS {
  CK_BYTE_PTR pNonce;
  CK_ULONG ulNonceLen;
  CK_BYTE_PTR pAAD;
  CK_ULONG ulAADLen;
};
static_assert(sizeof(CK_SALSA20_CHACHA20_POLY1305_PARAMS) == 32, "PKCS#11 3.0 layout on LP64");

// PKCS#11 3.0 code; p11-kit 0.24 does not define it.
constexpr CK_RV kAeadDecryptFailed = 0x35UL;

constexpr std::size_t kNonceBytes = 12;         // both AEADs: a 96-bit nonce
constexpr std::size_t kPseudoHeaderBytes = 13;  // seq(8) | type | version(2) | length(2)
constexpr std::size_t kMaxMacBytes = 48;        // HMAC-SHA384
constexpr std::size_t kPaddingWindow = 256;     // up to 255 padding bytes and the length byte

using Nonce = std::array<std::uint8_t, kNonceBytes>;
using PseudoHeader = std::array<std::uint8_t, kPseudoHeaderBytes>;

[[noreturn]] void bad_data(const std::string& why) { throw Error(Fault::bad_data, why); }

// ---- Bytes -----------------------------------------------------------------

void put_be16(std::uint8_t* p, std::size_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

void put_be64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<std::uint8_t>(v);
}

std::size_t be16(const std::uint8_t* p) { return std::size_t{p[0]} << 8 | p[1]; }

bool overlaps(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  if (a.empty() || b.empty()) return false;
  const auto a0 = reinterpret_cast<std::uintptr_t>(a.data());
  const auto b0 = reinterpret_cast<std::uintptr_t>(b.data());
  return a0 < b0 + b.size() && b0 < a0 + a.size();
}

// SoftHSM answers CKR_ARGUMENTS_BAD for a NULL data pointer even when the
// length is 0, and an empty span may carry one.
std::span<const std::uint8_t> never_null(std::span<const std::uint8_t> s) {
  static constexpr std::uint8_t kNothing = 0;
  return s.data() != nullptr ? s : std::span<const std::uint8_t>(&kNothing, 0);
}

// ---- Layout ----------------------------------------------------------------

std::size_t explicit_iv_bytes(const CipherSuite& s) { return s.record_iv_bytes; }

// CBC body: plaintext, MAC and the minimal padding (1..block bytes with the
// length byte), a whole number of blocks.
std::size_t cbc_body_bytes(const CipherSuite& s, std::size_t plaintext) {
  return ((plaintext + s.mac_bytes()) / s.block_bytes + 1) * s.block_bytes;
}

// The smallest CBC body: an empty plaintext's MAC and one padding byte.
std::size_t cbc_min_body_bytes(const CipherSuite& s) { return cbc_body_bytes(s, 0); }

// TLS 1.3 records carry TLS 1.2's version (RFC 8446 §5.1, legacy_record_version).
bool is_tls13(std::uint32_t protocol) { return protocol == kTls13RecordProtocol; }
std::uint32_t wire_version(std::uint32_t protocol) { return is_tls13(protocol) ? kTls12Version : protocol; }

void write_header(std::span<std::uint8_t> record, std::uint8_t type, std::uint32_t protocol) {
  record[0] = type;
  put_be16(&record[1], wire_version(protocol));
  put_be16(&record[3], record.size() - kRecordHeaderBytes);
}

// AEAD additional data (RFC 5246 §6.2.3.3) and, byte for byte, the prefix
// HMAC covers in front of a CBC record's plaintext (§6.2.3.1).
void fill_pseudo_header(PseudoHeader& h, std::uint64_t sequence, std::uint8_t type, std::uint32_t protocol,
                        std::size_t length) {
  put_be64(h.data(), sequence);
  h[8] = type;
  put_be16(&h[9], protocol);
  put_be16(&h[11], length);
}

PseudoHeader pseudo_header(std::uint64_t sequence, std::uint8_t type, std::uint32_t protocol, std::size_t length) {
  PseudoHeader h{};
  fill_pseudo_header(h, sequence, type, protocol, length);
  return h;
}

// A plaintext inside the record it becomes (the in-place layouts) is copied
// out before the record is written; the copy holds application data, so it
// is wiped.
std::span<const std::uint8_t> out_of_the_way(std::span<const std::uint8_t> plaintext,
                                             std::span<const std::uint8_t> record, p11::SecureBytes& copy) {
  if (!overlaps(plaintext, record)) return plaintext;
  copy = p11::SecureBytes(plaintext);
  return copy.span();
}

// ---- The token -------------------------------------------------------------

void require_live_objects(const SessionKey& key) {
  if (!key.cipher_key.alive() || (!key.suite->aead() && !key.mac_key.alive())) {
    throw Error(Fault::bad_key_state,
                "the record key no longer exists on the token (its session was lost); start a new handshake");
  }
}

// One pooled session for the whole record. The pool may run `op` a second time
// on a fresh session after a lost one: the key objects are checked again then.
template <class Op>
decltype(auto) on_token(const SessionKey& key, Op&& op) {
  return key.token()->pool()->run([&](p11::Lease& lease) {
    require_live_objects(key);
    return op(lease.api(), lease.handle());
  });
}

void expect_length(std::size_t got, std::size_t want, const char* call) {
  if (got != want) {
    throw Error(Fault::operation_failed, std::string(call) + " returned " + std::to_string(got) + " bytes, not " +
                                             std::to_string(want));
  }
}

// ---- AEAD (GCM, ChaCha20-Poly1305) ------------------------------------------

// GCM: 4-byte salt from the key block | the 8-byte explicit nonce.
// ChaCha20: the 12-byte IV from the key block XOR the sequence number,
// big-endian, left-padded to 12 bytes.
// TLS 1.3 (RFC 8446 §5.3): every AEAD as ChaCha20 in TLS 1.2.
void fill_aead_nonce(Nonce& n, const SessionKey& key, std::uint64_t sequence,
                     std::span<const std::uint8_t> explicit_nonce) {
  const auto fixed = key.fixed_iv.span();
  if (key.suite->cipher == BulkCipher::aes_gcm && !is_tls13(key.protocol)) {
    // RFC 5288's fixed sizes (4 + 8; require_record_key checked the salt's),
    // so the copies compile to two moves on every record.
    constexpr std::size_t kSalt = 4;
    std::memcpy(n.data(), fixed.data(), kSalt);
    std::memcpy(n.data() + kSalt, explicit_nonce.data(), kNonceBytes - kSalt);
    return;
  }
  std::uint8_t seq[8];
  put_be64(seq, sequence);
  for (std::size_t i = 0; i < kNonceBytes; ++i) n[i] = fixed[i] ^ (i < 4 ? 0 : seq[i - 4]);
}

// The mechanism and the parameters it points to, for one record, on the
// caller's stack. Not copyable: the mechanism points into the object itself.
// Nonce and AAD are written where the token will read them, not built
// elsewhere and copied in: copying a just-written 12- or 13-byte array with
// wider loads stalls on store forwarding, which showed on every record.
class AeadMechanism {
 public:
  AeadMechanism(const SessionKey& key, std::uint64_t sequence, std::span<const std::uint8_t> explicit_nonce,
                std::uint8_t type, std::size_t length) {
    const CipherSuite& suite = *key.suite;
    fill_aead_nonce(nonce_, key, sequence, explicit_nonce);
    std::size_t aad_bytes = aad_.size();
    if (is_tls13(key.protocol)) {
      // RFC 8446 §5.2: the AAD is the record header itself, whose length
      // counts the tag.
      aad_[0] = type;
      put_be16(&aad_[1], kTls12Version);
      put_be16(&aad_[3], length + suite.tag_bytes);
      aad_bytes = kRecordHeaderBytes;
    } else {
      fill_pseudo_header(aad_, sequence, type, key.protocol, length);
    }
    if (suite.cipher == BulkCipher::aes_gcm) {
      gcm_ = {nonce_.data(), nonce_.size(), nonce_.size() * 8, aad_.data(), aad_bytes, suite.tag_bytes * 8};
      mechanism_ = {CKM_AES_GCM, &gcm_, sizeof gcm_};
    } else {
      chacha_ = {nonce_.data(), nonce_.size(), aad_.data(), aad_bytes};
      mechanism_ = {CKM_CHACHA20_POLY1305, &chacha_, sizeof chacha_};
    }
  }
  AeadMechanism(const AeadMechanism&) = delete;
  AeadMechanism& operator=(const AeadMechanism&) = delete;
  CK_MECHANISM& get() noexcept { return mechanism_; }

 private:
  Nonce nonce_;
  PseudoHeader aad_;
  CK_GCM_PARAMS gcm_{};
  CK_SALSA20_CHACHA20_POLY1305_PARAMS chacha_{};
  CK_MECHANISM mechanism_{};
};

// The explicit nonce is the sequence number (RFC 5288 §3 allows any value that
// never repeats under one key): unique for as long as the caller keeps TLS's
// own rule of one record per sequence number, with no random-collision bound
// and no extra token call.
std::size_t seal_aead(const SessionKey& key, std::uint64_t sequence, std::uint8_t type,
                      std::span<const std::uint8_t> plaintext, std::span<std::uint8_t> record) {
  const CipherSuite& s = *key.suite;
  p11::SecureBytes moved;
  plaintext = never_null(out_of_the_way(plaintext, record, moved));
  write_header(record, type, key.protocol);
  const auto explicit_nonce = record.subspan(kRecordHeaderBytes, explicit_iv_bytes(s));
  if (!explicit_nonce.empty()) put_be64(explicit_nonce.data(), sequence);
  AeadMechanism mechanism(key, sequence, explicit_nonce, type, plaintext.size());
  const auto sealed = record.subspan(kRecordHeaderBytes + explicit_nonce.size());
  const std::size_t n = on_token(key, [&](const p11::Api& api, CK_SESSION_HANDLE h) {
    api.C_EncryptInit(h, mechanism.get(), key.cipher_key.handle());
    return api.C_Encrypt(h, plaintext, sealed);
  });
  expect_length(n, sealed.size(), "C_Encrypt");
  return record.size();
}

// How tokens say "the tag did not verify": the PKCS#11 3.0 and 2.40 codes, and
// CKR_GENERAL_ERROR, which SoftHSM 2.6 returns when OpenSSL's final tag check
// fails. C_Decrypt on an AEAD mechanism has no other data-dependent failure,
// so these are the caller's bad record, not a broken token.
bool is_authentication_failure(CK_RV rv) {
  return rv == CKR_ENCRYPTED_DATA_INVALID || rv == CKR_ENCRYPTED_DATA_LEN_RANGE || rv == kAeadDecryptFailed ||
         rv == CKR_GENERAL_ERROR;
}

[[noreturn]] void authentication_failed() {
  // Fault::decryption_failed for a bad tag, a bad MAC and bad padding alike
  // (reference §5.3): one fault and one status, so a caller (or an attacker watching its
  // alerts) cannot tell which check failed -- the padding oracle of Vaudenay
  // and Lucky Thirteen needs exactly that difference.
  throw Error(Fault::decryption_failed, "the record did not authenticate");
}

// The AEAD open's scratch: one buffer per thread, grown once to the largest
// record, instead of a zero-filled heap buffer per record (a 16 KiB record
// paid an allocation and an extra 16 KiB memset for it). Holds plaintext, so
// the bytes used are wiped when the record is done, whatever happens.
class OpenScratch {
 public:
  explicit OpenScratch(std::size_t n) : used_(n) {
    if (buffer().size() < n) buffer().resize(std::max(n, kMaxCiphertext));
  }
  ~OpenScratch() { p11::wipe(buffer().data(), used_); }
  OpenScratch(const OpenScratch&) = delete;
  OpenScratch& operator=(const OpenScratch&) = delete;
  std::span<std::uint8_t> span() noexcept { return {buffer().data(), used_}; }
  const std::uint8_t* data() noexcept { return buffer().data(); }

 private:
  static std::vector<std::uint8_t>& buffer() noexcept {
    thread_local std::vector<std::uint8_t> bytes;
    return bytes;
  }
  std::size_t used_;
};

std::size_t open_aead(const SessionKey& key, std::uint64_t sequence, std::span<const std::uint8_t> record,
                      std::span<std::uint8_t> plaintext) {
  const CipherSuite& s = *key.suite;
  const auto explicit_nonce = record.subspan(kRecordHeaderBytes, explicit_iv_bytes(s));
  const auto sealed = record.subspan(kRecordHeaderBytes + explicit_nonce.size());
  const std::size_t length = sealed.size() - s.tag_bytes;
  AeadMechanism mechanism(key, sequence, explicit_nonce, record[0], length);
  // Sized for ciphertext and tag: SoftHSM wants room for the whole input. The
  // token decrypts into scratch, never into the caller's buffer, which must
  // stay untouched when the tag is bad: SoftHSM writes plaintext before it
  // checks the tag, and NSS softoken (its AES-NI path) decrypts first and
  // zeroes its output after a bad tag, so no token here can skip the scratch.
  OpenScratch opened(sealed.size());
  const std::size_t n = on_token(key, [&](const p11::Api& api, CK_SESSION_HANDLE h) {
    api.C_DecryptInit(h, mechanism.get(), key.cipher_key.handle());
    try {
      return api.C_Decrypt(h, sealed, opened.span());
    } catch (const p11::Error& e) {
      if (is_authentication_failure(e.rv())) authentication_failed();
      throw;
    }
  });
  expect_length(n, length, "C_Decrypt");
  std::copy_n(opened.data(), length, plaintext.data());
  return length;
}

// ---- Constant-time helpers ---------------------------------------------------
// Masks are all ones (true) or zero. The empty asm keeps the optimiser from
// turning a mask back into a branch on secret data.

std::uint64_t opaque(std::uint64_t v) {
  __asm__("" : "+r"(v));
  return v;
}
std::uint64_t ct_msb(std::uint64_t a) { return opaque(0 - (a >> 63)); }
std::uint64_t ct_lt(std::uint64_t a, std::uint64_t b) { return ct_msb(a ^ ((a ^ b) | ((a - b) ^ b))); }
std::uint64_t ct_ge(std::uint64_t a, std::uint64_t b) { return ~ct_lt(a, b); }
std::uint64_t ct_is_zero(std::uint64_t a) { return ct_msb(~a & (a - 1)); }
std::uint64_t ct_eq(std::uint64_t a, std::uint64_t b) { return ct_is_zero(a ^ b); }

std::uint64_t ct_equal_bytes(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  std::uint64_t diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= a[i] ^ b[i];
  return ct_is_zero(diff);
}

// Copies mac.size() bytes from decrypted[start..] without an address that
// depends on `start`: every position the MAC can start at (padding of 0..255
// bytes) is read, and the right one kept by mask.
void ct_copy_mac(std::span<const std::uint8_t> decrypted, std::size_t start, std::span<std::uint8_t> mac) {
  const std::size_t last = decrypted.size() - mac.size() - 1;  // the MAC's start with empty padding
  const std::size_t first = last >= kPaddingWindow - 1 ? last - (kPaddingWindow - 1) : 0;
  std::fill(mac.begin(), mac.end(), 0);
  for (std::size_t at = first; at <= last; ++at) {
    const auto keep = static_cast<std::uint8_t>(ct_eq(at, start));
    for (std::size_t j = 0; j < mac.size(); ++j) mac[j] |= decrypted[at + j] & keep;
  }
}

// ---- AES-CBC with HMAC -------------------------------------------------------

CK_MECHANISM cbc_mechanism(std::span<const std::uint8_t> iv) {
  return {CKM_AES_CBC, const_cast<std::uint8_t*>(iv.data()), iv.size()};
}

std::size_t hmac_on_token(const p11::Api& api, CK_SESSION_HANDLE h, const SessionKey& key,
                          std::span<const std::uint8_t> data, std::span<std::uint8_t> mac) {
  CK_MECHANISM m{hmac_mechanism(key.suite->mac), nullptr, 0};
  api.C_SignInit(h, m, key.mac_key.handle());
  return api.C_Sign(h, never_null(data), mac);
}

// MAC-then-encrypt. The scratch buffer is laid out so one C_Sign covers
// pseudo-header | plaintext and one C_Encrypt covers plaintext | MAC | padding:
//   [pseudo-header 13][plaintext][MAC][padding ... padding length]
std::size_t seal_cbc(const SessionKey& key, std::uint64_t sequence, std::uint8_t type,
                     std::span<const std::uint8_t> plaintext, std::span<std::uint8_t> record) {
  const CipherSuite& s = *key.suite;
  const std::size_t mac_bytes = s.mac_bytes();
  const std::size_t body_bytes = cbc_body_bytes(s, plaintext.size());
  p11::SecureBytes scratch(kPseudoHeaderBytes + body_bytes);
  const auto header = pseudo_header(sequence, type, key.protocol, plaintext.size());
  std::copy(header.begin(), header.end(), scratch.data());
  std::copy(plaintext.begin(), plaintext.end(), scratch.data() + kPseudoHeaderBytes);  // before the record is touched
  const auto body = scratch.span().subspan(kPseudoHeaderBytes);
  const auto mac = body.subspan(plaintext.size(), mac_bytes);
  const auto padding = body.subspan(plaintext.size() + mac_bytes);
  std::fill(padding.begin(), padding.end(), static_cast<std::uint8_t>(padding.size() - 1));

  write_header(record, type, key.protocol);
  const auto iv = record.subspan(kRecordHeaderBytes, explicit_iv_bytes(s));
  const auto encrypted = record.subspan(kRecordHeaderBytes + iv.size());
  const std::size_t n = on_token(key, [&](const p11::Api& api, CK_SESSION_HANDLE h) {
    expect_length(hmac_on_token(api, h, key, scratch.span().first(kPseudoHeaderBytes + plaintext.size()), mac),
                  mac_bytes, "C_Sign");
    api.C_GenerateRandom(h, iv);  // TLS 1.1+ explicit IV: unpredictable, from the token's RNG
    CK_MECHANISM m = cbc_mechanism(iv);
    api.C_EncryptInit(h, m, key.cipher_key.handle());
    return api.C_Encrypt(h, body, encrypted);
  });
  expect_length(n, encrypted.size(), "C_Encrypt");
  return record.size();
}

// Compression-function calls of the inner hash of HMAC over `bytes` bytes,
// less the constant one for the key block: the message, the 0x80 byte and the
// length field, in whole hash blocks. Arithmetic only (no branches).
std::size_t hmac_blocks(const CipherSuite& s, std::size_t bytes) {
  const std::size_t block = s.mac == HashAlg::sha384 ? 128 : 64;
  const std::size_t length_field = s.mac == HashAlg::sha384 ? 16 : 8;
  return (bytes + 1 + length_field + block - 1) / block;
}

// Lucky Thirteen (AlFardan & Paterson 2013): the real MAC covers 13 + L bytes,
// and L depends on the padding, so its cost would tell how long the padding
// was. The token does the HMAC in one C_Sign, so the work cannot be evened
// out inside it; instead a second, discarded HMAC over whole blocks of zeros
// takes up the difference to the longest possible message (empty padding).
// With k = blocks(longest) - blocks(real), k blocks of data hash in k + 1
// compression calls, so the two calls together always cost
// blocks(longest) + 1 inner compressions (plus constant key/outer work),
// whatever the padding. It always runs, also when the padding is empty (k = 0).
std::size_t dummy_hmac_bytes(const CipherSuite& s, std::size_t real_bytes, std::size_t longest_bytes) {
  const std::size_t block = s.mac == HashAlg::sha384 ? 128 : 64;
  return (hmac_blocks(s, longest_bytes) - hmac_blocks(s, real_bytes)) * block;
}

// The record MAC on the token over `scratch` = [pseudo-header][decrypted
// body], the first 13 + `length` bytes, then the balancing dummy HMAC; the
// mask says whether it equals `received`.
std::uint64_t cbc_mac_matches(const p11::Api& api, CK_SESSION_HANDLE h, const SessionKey& key,
                              std::span<const std::uint8_t> scratch, std::size_t length,
                              std::span<const std::uint8_t> received) {
  static constexpr std::array<std::uint8_t, 512> kZeros{};  // dummy input: at most 5 * 64 or 3 * 128 bytes
  const CipherSuite& s = *key.suite;
  const std::size_t mac_bytes = s.mac_bytes();
  const std::size_t real_bytes = kPseudoHeaderBytes + length;
  const std::size_t longest_bytes = scratch.size() - mac_bytes - 1;  // empty padding
  std::array<std::uint8_t, kMaxMacBytes> computed{}, discarded{};
  const auto mac = std::span(computed).first(mac_bytes);
  expect_length(hmac_on_token(api, h, key, scratch.first(real_bytes), mac), mac_bytes, "C_Sign");
  const std::size_t dummy = std::min(dummy_hmac_bytes(s, real_bytes, longest_bytes), kZeros.size());
  hmac_on_token(api, h, key, std::span(kZeros).first(dummy), std::span(discarded).first(mac_bytes));
  const std::uint64_t matches = ct_equal_bytes(mac, received);
  p11::wipe(computed.data(), computed.size());
  return matches;
}

// Decrypt on the token, then check padding and MAC with no branch, status or
// memory access that depends on which of them failed.
std::size_t open_cbc(const SessionKey& key, std::uint64_t sequence, std::span<const std::uint8_t> record,
                     std::span<std::uint8_t> plaintext) {
  const CipherSuite& s = *key.suite;
  const auto iv = record.subspan(kRecordHeaderBytes, explicit_iv_bytes(s));
  const auto encrypted = record.subspan(kRecordHeaderBytes + iv.size());
  p11::SecureBytes scratch(kPseudoHeaderBytes + encrypted.size());  // [pseudo-header][decrypted body]
  const auto decrypted = scratch.span().subspan(kPseudoHeaderBytes);
  std::array<std::uint8_t, kMaxMacBytes> received_bytes{};
  const auto received = std::span(received_bytes).first(s.mac_bytes());
  std::uint64_t good = 0;
  std::size_t length = 0;
  on_token(key, [&](const p11::Api& api, CK_SESSION_HANDLE h) {
    CK_MECHANISM m = cbc_mechanism(iv);
    api.C_DecryptInit(h, m, key.cipher_key.handle());
    expect_length(api.C_Decrypt(h, encrypted, decrypted), decrypted.size(), "C_Decrypt");
    const CbcUnpadded unpadded = cbc_unpad(decrypted, received.size(), received);
    length = unpadded.plaintext_bytes;
    const auto header = pseudo_header(sequence, record[0], key.protocol, length);
    std::copy(header.begin(), header.end(), scratch.data());
    good = unpadded.padding_good & cbc_mac_matches(api, h, key, scratch.span(), length, received);
  });
  p11::wipe(received_bytes.data(), received_bytes.size());
  if (good == 0) authentication_failed();
  // Authenticated, so its length is no secret: a fragment over 2^14 is a
  // record_overflow (RFC 5246 §6.2.1), a malformed record rather than a forgery.
  if (length > kMaxPlaintext) bad_data("the record's plaintext exceeds 2^14 bytes");
  std::copy_n(decrypted.data(), length, plaintext.data());
  return length;
}

// ---- Checks ------------------------------------------------------------------

void require_record_key(const SessionKey& key) {
  if (key.protocol != kTls12Version && !is_tls13(key.protocol)) {
    throw Error(Fault::not_supported, "sslp11 protects TLS 1.2 and TLS 1.3 records only");
  }
  if (key.fixed_iv.size() != key.suite->fixed_iv_bytes) {
    throw Error(Fault::internal, "the record key's implicit IV has the wrong length");
  }
}

}  // namespace

// TLS 1.2 ContentType (RFC 5246 §6.2.1): change_cipher_spec(20) to application_data(23).
bool is_content_type(std::uint32_t type) noexcept {
  constexpr std::uint32_t kChangeCipherSpec = 20;
  constexpr std::uint32_t kApplicationData = 23;
  return type >= kChangeCipherSpec && type <= kApplicationData;
}

std::size_t sealed_size(const CipherSuite& suite, std::size_t plaintext) noexcept {
  const std::size_t body = suite.aead() ? plaintext + suite.tag_bytes : cbc_body_bytes(suite, plaintext);
  return kRecordHeaderBytes + explicit_iv_bytes(suite) + body;
}

bool seal_layout_allowed(const CipherSuite& suite, std::span<const std::uint8_t> plaintext,
                         std::span<const std::uint8_t> record) noexcept {
  if (!overlaps(plaintext, record)) return true;
  const std::uint8_t* header_end = record.data() + kRecordHeaderBytes;
  return plaintext.data() == header_end || plaintext.data() == header_end + explicit_iv_bytes(suite);
}

bool open_layout_allowed(const CipherSuite& suite, std::span<const std::uint8_t> record,
                         std::span<const std::uint8_t> plaintext) noexcept {
  if (!overlaps(record, plaintext)) return true;
  const std::uint8_t* header_end = record.data() + kRecordHeaderBytes;
  return plaintext.data() == header_end || plaintext.data() == header_end + explicit_iv_bytes(suite);
}

std::size_t open_capacity(const SessionKey& key, std::span<const std::uint8_t> record) {
  const CipherSuite& s = *key.suite;
  if (record.size() < kRecordHeaderBytes) bad_data("shorter than a record header");
  const std::size_t body = record.size() - kRecordHeaderBytes;
  if (be16(&record[3]) != body) bad_data("the header's length is not the record's");
  if (be16(&record[1]) != wire_version(key.protocol)) bad_data("the header's version is not the key's protocol");
  if (is_tls13(key.protocol)) {
    // RFC 8446 §5.2: a protected record is application_data, at most 2^14 +
    // 256 bytes, and holds at least the inner content type and the tag.
    constexpr std::uint8_t kApplicationData = 23;
    if (record[0] != kApplicationData) bad_data("a TLS 1.3 protected record's outer type is application_data");
    if (body > kMaxPlaintext + 256) bad_data("longer than 2^14 + 256 bytes");
    if (body < s.tag_bytes + 1) bad_data("shorter than the tag and the inner content type");
    return body - s.tag_bytes;
  }
  if (body > kMaxCiphertext) bad_data("longer than 2^14 + 2048 bytes");
  if (s.aead()) {
    if (body < explicit_iv_bytes(s) + s.tag_bytes) bad_data("shorter than the suite's nonce and tag");
    const std::size_t length = body - explicit_iv_bytes(s) - s.tag_bytes;
    if (length > kMaxPlaintext) bad_data("the record's plaintext would exceed 2^14 bytes");
    return length;
  }
  if (body < explicit_iv_bytes(s) + cbc_min_body_bytes(s)) bad_data("shorter than the suite's IV, MAC and padding");
  const std::size_t encrypted = body - explicit_iv_bytes(s);
  if (encrypted % s.block_bytes != 0) bad_data("the CBC ciphertext is not a whole number of blocks");
  return std::min(encrypted - s.mac_bytes() - 1, kMaxPlaintext);
}

std::size_t seal_record(SessionKey& key, std::uint64_t sequence, std::uint8_t type,
                        std::span<const std::uint8_t> plaintext, std::span<std::uint8_t> record) {
  require_record_key(key);
  if (plaintext.size() > max_plaintext(key.protocol)) {
    throw Error(Fault::invalid_parameter, "a fragment is at most 2^14 bytes");
  }
  const std::size_t size = sealed_size(*key.suite, plaintext.size());
  if (record.size() < size) throw Error(Fault::buffer_too_small, "the record buffer is too small");
  if (key.suite->aead()) return seal_aead(key, sequence, type, plaintext, record.first(size));
  return seal_cbc(key, sequence, type, plaintext, record.first(size));
}

std::size_t open_record(SessionKey& key, std::uint64_t sequence, std::span<const std::uint8_t> record,
                        std::span<std::uint8_t> plaintext) {
  require_record_key(key);
  if (plaintext.size() < open_capacity(key, record)) {
    throw Error(Fault::buffer_too_small, "the plaintext buffer is too small");
  }
  if (key.suite->aead()) return open_aead(key, sequence, record, plaintext);
  return open_cbc(key, sequence, record, plaintext);
}

CbcUnpadded cbc_unpad(std::span<const std::uint8_t> decrypted, std::size_t mac_bytes, std::span<std::uint8_t> mac) {
  const std::size_t n = decrypted.size();
  const std::uint64_t pad = decrypted[n - 1];
  // The padding and its length byte must fit behind the MAC...
  std::uint64_t good = ct_ge(n, pad + mac_bytes + 1);
  // ...and every padding byte must equal the length byte. All of the largest
  // window padding can take is read, whatever `pad` says.
  const std::size_t window = std::min(n, kPaddingWindow);
  for (std::size_t i = 0; i < window; ++i) {
    const std::uint64_t in_padding = ct_ge(pad, i);
    good &= ~(in_padding & ~ct_eq(decrypted[n - 1 - i], pad));
  }
  // Bad padding is treated as none, so the MAC is still computed and checked.
  const std::size_t length = n - mac_bytes - 1 - (pad & good);
  ct_copy_mac(decrypted, length, mac);
  return {length, good};
}

}  // namespace sslp11::core
