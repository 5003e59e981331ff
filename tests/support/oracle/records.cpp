#include "support/oracle/records.h"

#include <algorithm>
#include <stdexcept>

#include "support/oracle/ciphers.h"
#include "support/oracle/digests.h"

namespace sslp11::oracle {

namespace {

void put_be(std::uint8_t* p, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i, v >>= 8) p[i] = static_cast<std::uint8_t>(v);
}

// seq | type | version | length: AEAD additional data and the CBC MAC prefix.
Bytes pseudo_header(std::uint64_t seq, std::uint8_t type, std::size_t length) {
  Bytes h(13);
  put_be(h.data(), seq, 8);
  h[8] = type;
  h[9] = 0x03;
  h[10] = 0x03;
  put_be(&h[11], length, 2);
  return h;
}

Bytes aead_nonce(const SuiteFacts& s, const DirectionKeys& k, std::uint64_t seq, ByteView explicit_nonce) {
  Bytes nonce(12, 0);
  if (s.cipher == Cipher::aes_gcm) {
    std::copy(k.iv.begin(), k.iv.end(), nonce.begin());
    std::copy(explicit_nonce.begin(), explicit_nonce.end(), nonce.begin() + 4);
    return nonce;
  }
  put_be(&nonce[4], seq, 8);
  for (std::size_t i = 0; i < 12; ++i) nonce[i] ^= k.iv[i];
  return nonce;
}

std::optional<Bytes> cbc_open(const SuiteFacts& s, const DirectionKeys& k, std::uint64_t seq, ByteView record) {
  const std::size_t m = s.mac_bytes();
  const ByteView iv = record.subspan(kHeaderBytes, 16);
  const ByteView encrypted = record.subspan(kHeaderBytes + 16);
  if (encrypted.empty() || encrypted.size() % 16 != 0) return std::nullopt;
  const Bytes body = aes_cbc_decrypt(k.key, iv, encrypted);
  const std::size_t pad = body.back();
  if (pad + 1 + m > body.size()) return std::nullopt;
  for (std::size_t i = body.size() - 1 - pad; i < body.size(); ++i)
    if (body[i] != pad) return std::nullopt;
  const std::size_t length = body.size() - 1 - pad - m;
  const ByteView plaintext(body.data(), length);
  const Bytes mac = cbc_mac(s, k, seq, record[0], plaintext);
  if (!std::equal(mac.begin(), mac.end(), body.begin() + static_cast<std::ptrdiff_t>(length))) return std::nullopt;
  return Bytes(plaintext.begin(), plaintext.end());
}

}  // namespace

Bytes record_header(std::uint8_t type, std::size_t body_bytes) {
  Bytes h{type, 0x03, 0x03, 0, 0};
  put_be(&h[3], body_bytes, 2);
  return h;
}

std::size_t expected_record_size(const SuiteFacts& s, std::size_t plaintext) {
  if (s.aead()) return kHeaderBytes + s.explicit_iv_bytes() + plaintext + 16;
  const std::size_t unpadded = plaintext + s.mac_bytes() + 1;  // at least the padding length byte
  return kHeaderBytes + 16 + (unpadded + 15) / 16 * 16;
}

Bytes seal(const SuiteFacts& s, const DirectionKeys& k, std::uint64_t seq, std::uint8_t type, ByteView plaintext) {
  if (!s.aead()) {
    const std::size_t unpadded = plaintext.size() + s.mac_bytes();
    return seal_cbc_padded(s, k, seq, type, plaintext, 16 - unpadded % 16);
  }
  Bytes explicit_nonce(s.explicit_iv_bytes());
  if (!explicit_nonce.empty()) put_be(explicit_nonce.data(), seq, 8);
  const Bytes sealed = aead_seal(s.cipher, k.key, aead_nonce(s, k, seq, explicit_nonce),
                                 pseudo_header(seq, type, plaintext.size()), plaintext);
  Bytes record = record_header(type, explicit_nonce.size() + sealed.size());
  record.insert(record.end(), explicit_nonce.begin(), explicit_nonce.end());
  record.insert(record.end(), sealed.begin(), sealed.end());
  return record;
}

std::optional<Bytes> open(const SuiteFacts& s, const DirectionKeys& k, std::uint64_t seq, ByteView record) {
  if (record.size() < kHeaderBytes + s.explicit_iv_bytes() || record[1] != 0x03 || record[2] != 0x03 ||
      static_cast<std::size_t>(record[3] << 8 | record[4]) != record.size() - kHeaderBytes) {
    return std::nullopt;
  }
  if (!s.aead()) return cbc_open(s, k, seq, record);
  const ByteView explicit_nonce = record.subspan(kHeaderBytes, s.explicit_iv_bytes());
  const ByteView sealed = record.subspan(kHeaderBytes + explicit_nonce.size());
  if (sealed.size() < 16) return std::nullopt;
  return aead_open(s.cipher, k.key, aead_nonce(s, k, seq, explicit_nonce),
                   pseudo_header(seq, record[0], sealed.size() - 16), sealed);
}

Bytes cbc_mac(const SuiteFacts& s, const DirectionKeys& k, std::uint64_t seq, std::uint8_t type, ByteView plaintext) {
  return hmac(s.mac, k.mac, concat(pseudo_header(seq, type, plaintext.size()), plaintext));
}

Bytes cbc_record(const SuiteFacts&, const DirectionKeys& k, std::uint8_t type, ByteView iv, ByteView body) {
  const Bytes encrypted = aes_cbc_encrypt(k.key, iv, body);
  Bytes record = record_header(type, iv.size() + encrypted.size());
  record.insert(record.end(), iv.begin(), iv.end());
  record.insert(record.end(), encrypted.begin(), encrypted.end());
  return record;
}

Bytes seal_cbc_padded(const SuiteFacts& s, const DirectionKeys& k, std::uint64_t seq, std::uint8_t type,
                      ByteView plaintext, std::size_t padding_bytes) {
  Bytes body(plaintext.begin(), plaintext.end());
  const Bytes mac = cbc_mac(s, k, seq, type, plaintext);
  body.insert(body.end(), mac.begin(), mac.end());
  body.insert(body.end(), padding_bytes, static_cast<std::uint8_t>(padding_bytes - 1));
  if (body.size() % 16 != 0) throw std::logic_error("CBC padding does not fill the last block");
  return cbc_record(s, k, type, random_bytes(16), body);
}

}  // namespace sslp11::oracle
