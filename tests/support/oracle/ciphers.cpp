#include "support/oracle/ciphers.h"

#include <openssl/err.h>

#include <stdexcept>

#include "support/oracle/openssl_call.h"

namespace sslp11::oracle {

namespace {

constexpr int kTagBytes = 16;

const EVP_CIPHER* aead_cipher(Cipher c, std::size_t key_bytes) {
  switch (c) {
    case Cipher::aes_gcm:
      return key_bytes == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
    case Cipher::chacha20_poly1305:
      return EVP_chacha20_poly1305();
    case Cipher::aes_cbc:
      break;
  }
  throw std::logic_error("AES-CBC is not an AEAD cipher");
}

CipherCtx aead_context(Cipher c, ByteView key, ByteView nonce, bool encrypt) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) openssl_fail("EVP_CIPHER_CTX_new");
  const int enc = encrypt ? 1 : 0;
  check(EVP_CipherInit_ex(ctx.get(), aead_cipher(c, key.size()), nullptr, nullptr, nullptr, enc), "EVP_CipherInit_ex");
  check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(nonce.size()), nullptr),
        "set IV length");
  check(EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, key.data(), nonce.data(), enc), "EVP_CipherInit_ex (key)");
  return ctx;
}

Bytes cbc(ByteView key, ByteView iv, ByteView in, bool encrypt) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) openssl_fail("EVP_CIPHER_CTX_new");
  const EVP_CIPHER* cipher = key.size() == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
  check(EVP_CipherInit_ex(ctx.get(), cipher, nullptr, key.data(), iv.data(), encrypt ? 1 : 0), "EVP_CipherInit_ex");
  check(EVP_CIPHER_CTX_set_padding(ctx.get(), 0), "EVP_CIPHER_CTX_set_padding");
  Bytes out(in.size() + 16);
  int len = 0, fin = 0;
  check(EVP_CipherUpdate(ctx.get(), out.data(), &len, data_or_dummy(in.data(), in.size()), static_cast<int>(in.size())),
        "EVP_CipherUpdate");
  check(EVP_CipherFinal_ex(ctx.get(), out.data() + len, &fin), "EVP_CipherFinal_ex");
  out.resize(static_cast<std::size_t>(len + fin));
  return out;
}

}  // namespace

Bytes aead_seal(Cipher cipher, ByteView key, ByteView nonce, ByteView aad, ByteView plaintext) {
  CipherCtx ctx = aead_context(cipher, key, nonce, true);
  int len = 0;
  if (!aad.empty()) check(EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())), "AAD");
  Bytes out(plaintext.size() + kTagBytes);
  check(EVP_EncryptUpdate(ctx.get(), out.data(), &len, data_or_dummy(plaintext.data(), plaintext.size()),
                          static_cast<int>(plaintext.size())),
        "EVP_EncryptUpdate");
  int fin = 0;
  check(EVP_EncryptFinal_ex(ctx.get(), out.data() + len, &fin), "EVP_EncryptFinal_ex");
  check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, kTagBytes, out.data() + plaintext.size()), "get tag");
  return out;
}

std::optional<Bytes> aead_open(Cipher cipher, ByteView key, ByteView nonce, ByteView aad, ByteView sealed) {
  if (sealed.size() < kTagBytes) return std::nullopt;
  const std::size_t n = sealed.size() - kTagBytes;
  CipherCtx ctx = aead_context(cipher, key, nonce, false);
  int len = 0;
  if (!aad.empty()) check(EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())), "AAD");
  Bytes out(n + kTagBytes);
  check(EVP_DecryptUpdate(ctx.get(), out.data(), &len, data_or_dummy(sealed.data(), n), static_cast<int>(n)),
        "EVP_DecryptUpdate");
  Bytes tag(sealed.begin() + static_cast<std::ptrdiff_t>(n), sealed.end());
  check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, kTagBytes, tag.data()), "set tag");
  int fin = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), out.data() + len, &fin) <= 0) {
    ERR_clear_error();
    return std::nullopt;
  }
  out.resize(n);
  return out;
}

Bytes aes_cbc_encrypt(ByteView key, ByteView iv, ByteView plaintext) { return cbc(key, iv, plaintext, true); }
Bytes aes_cbc_decrypt(ByteView key, ByteView iv, ByteView ciphertext) { return cbc(key, iv, ciphertext, false); }

}  // namespace sslp11::oracle
