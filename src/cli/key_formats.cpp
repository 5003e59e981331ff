#include "cli/key_formats.h"

#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/pemerr.h>

#include <algorithm>
#include <memory>

#include "keyfile/openssl_handles.h"

namespace sslp11::cli {

namespace {

using keyfile::openssl_reason;
using Bytes = std::span<const std::uint8_t>;

using DecoderCtx = keyfile::Owned<OSSL_DECODER_CTX, OSSL_DECODER_CTX_free>;
using PkeyCtx = keyfile::Owned<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using X509Sig = keyfile::Owned<X509_SIG, X509_SIG_free>;
using ParamBuilder = keyfile::Owned<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using Params = keyfile::Owned<OSSL_PARAM, OSSL_PARAM_free>;

constexpr std::string_view kEncryptedHint =
    "the private key is encrypted; decrypt it first (openssl pkey -in KEY -out PLAIN.pem) and wipe the plain copy "
    "after the import";

keyfile::Bio memory_bio(Bytes bytes) {
  keyfile::Bio bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
  if (!bio) throw std::bad_alloc();
  return bio;
}

// A file is PEM when it has a BEGIN line anywhere (text before it, such as
// PKCS#12 exports' "Bag Attributes", is skipped as OpenSSL does); else DER.
bool looks_like_pem(Bytes contents) {
  const std::string_view text(reinterpret_cast<const char*>(contents.data()), contents.size());
  return text.find("-----BEGIN ") != std::string_view::npos;
}

struct PemBlock {
  std::string name;          // "PRIVATE KEY", "CERTIFICATE", ...
  bool has_headers = false;  // RFC 1421 headers, e.g. "Proc-Type: 4,ENCRYPTED"
  p11::SecureBytes der;
};

// Every PEM block in `contents`, decoded by OpenSSL into wiping buffers.
std::vector<PemBlock> pem_blocks(Bytes contents) {
  const keyfile::Bio bio = memory_bio(contents);
  std::vector<PemBlock> blocks;
  ERR_clear_error();
  for (;;) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    // PEM_FLAG_SECURE: the body (a private key, mostly) is in OpenSSL's secure heap, wiped when freed.
    if (PEM_read_bio_ex(bio.get(), &name, &header, &data, &len, PEM_FLAG_SECURE | PEM_FLAG_EAY_COMPATIBLE) != 1) {
      if (ERR_GET_REASON(ERR_peek_last_error()) == PEM_R_NO_START_LINE) {
        ERR_clear_error();
        return blocks;
      }
      throw FormatError("malformed PEM: " + openssl_reason());
    }
    PemBlock block;
    block.name = name;
    block.has_headers = header != nullptr && header[0] != '\0';
    block.der = p11::SecureBytes(Bytes(data, static_cast<std::size_t>(len)));
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_secure_clear_free(data, static_cast<std::size_t>(len));
    blocks.push_back(std::move(block));
  }
}

bool is_private_key_name(std::string_view name) {
  return name == "PRIVATE KEY" || name == "RSA PRIVATE KEY" || name == "EC PRIVATE KEY";
}

// DER in any structure (PKCS#8, PKCS#1, SEC1), or null. No
// passphrase is ever asked for: encrypted keys are refused before this.
keyfile::Pkey decode_private_key(Bytes der) {
  EVP_PKEY* raw = nullptr;
  const DecoderCtx decoder(
      OSSL_DECODER_CTX_new_for_pkey(&raw, "DER", nullptr, nullptr, EVP_PKEY_KEYPAIR, nullptr, nullptr));
  if (!decoder) throw FormatError("OpenSSL has no decoder for private keys: " + openssl_reason());
  OSSL_DECODER_CTX_set_passphrase_cb(
      decoder.get(), [](char*, std::size_t, std::size_t*, const OSSL_PARAM*, void*) { return 0; }, nullptr);
  const unsigned char* data = der.data();
  std::size_t left = der.size();
  const int ok = OSSL_DECODER_from_data(decoder.get(), &data, &left);
  keyfile::Pkey key(raw);
  if (ok != 1 || !key) return nullptr;
  if (left != 0) throw FormatError("OpenSSL decodes a private key followed by " + std::to_string(left) + " stray bytes");
  return key;
}

// For messages only: the decoder takes any of the three structures.
bool is_pkcs8(Bytes der) {
  const unsigned char* data = der.data();
  PKCS8_PRIV_KEY_INFO* info = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &data, static_cast<long>(der.size()));
  PKCS8_PRIV_KEY_INFO_free(info);
  ERR_clear_error();
  return info != nullptr;
}

bool is_encrypted_pkcs8(Bytes der) {
  const unsigned char* data = der.data();
  const X509Sig sig(d2i_X509_SIG(nullptr, &data, static_cast<long>(der.size())));
  ERR_clear_error();
  return sig != nullptr;
}

// RSA of at least 1024 bits, or EC on a curve sslp11 supports.
void require_supported(const PublicKey& key, std::string_view whose) {
  if (key.algorithm == KeyAlgorithm::rsa) {
    if (key.bits < 1024) throw FormatError(std::string(whose) + " RSA modulus is shorter than 1024 bits");
    return;
  }
  if (key.curve == nullptr || key.curve->form != p11::EcForm::weierstrass) {
    throw FormatError(std::string(whose) + " curve " + key.group +
                      " is not one sslp11 supports (P-256, P-384, P-521)");
  }
}

}  // namespace

PrivateKey parse_private_key(std::span<const std::uint8_t> contents) {
  p11::SecureBytes pem_der;
  Bytes der = contents;
  if (looks_like_pem(contents)) {
    for (PemBlock& block : pem_blocks(contents)) {
      if (block.name == "ENCRYPTED PRIVATE KEY" || (is_private_key_name(block.name) && block.has_headers)) {
        throw FormatError(std::string(kEncryptedHint));
      }
      if (is_private_key_name(block.name)) {
        pem_der = std::move(block.der);
        break;
      }
    }
    if (pem_der.empty()) throw FormatError("no PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block in the PEM text");
    der = pem_der.span();
  }
  if (is_encrypted_pkcs8(der)) throw FormatError(std::string(kEncryptedHint));

  PrivateKey out;
  ERR_clear_error();
  const keyfile::Pkey key = decode_private_key(der);
  out.format = is_pkcs8(der) ? "PKCS#8" : key && EVP_PKEY_is_a(key.get(), "EC") == 1 ? "SEC1" : "PKCS#1";
  if (!key) throw FormatError("OpenSSL cannot decode the private key (PKCS#8, PKCS#1 or SEC1): " + openssl_reason());
  if (EVP_PKEY_is_a(key.get(), "RSA") != 1 && EVP_PKEY_is_a(key.get(), "EC") != 1) {
    throw FormatError("the key is neither RSA nor EC (RSA and EC keys only)");
  }
  try {
    out.parts = keyfile::private_parts(key.get());
  } catch (const keyfile::Error& e) {
    throw FormatError(e.what());
  }
  require_supported(out.public_key(), "the key's");
  // The token would store a key whose parts contradict each other (an RSA n
  // that is not p*q) and then sign garbage with it.
  const PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!ctx) throw FormatError("OpenSSL cannot check the private key: " + openssl_reason());
  if (EVP_PKEY_check(ctx.get()) != 1) throw FormatError("OpenSSL's key check fails: " + openssl_reason());
  return out;
}

Certificate parse_certificate(std::span<const std::uint8_t> contents) {
  Certificate out;
  std::vector<std::uint8_t> pem_der;
  Bytes der = contents;
  if (looks_like_pem(contents)) {
    for (const PemBlock& block : pem_blocks(contents)) {
      if (block.name != "CERTIFICATE") continue;
      if (pem_der.empty()) {
        pem_der.assign(block.der.data(), block.der.data() + block.der.size());
      } else {
        ++out.chain_rest;
      }
    }
    if (pem_der.empty()) throw FormatError("no CERTIFICATE block in the PEM text");
    der = pem_der;
  }
  ERR_clear_error();
  const unsigned char* data = der.data();
  const keyfile::Certificate cert(d2i_X509(nullptr, &data, static_cast<long>(der.size())));
  if (!cert) throw FormatError("OpenSSL cannot parse the certificate: " + openssl_reason());
  if (data != der.data() + der.size()) throw FormatError("OpenSSL parses a certificate followed by stray bytes");
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  if (key == nullptr) throw FormatError("OpenSSL cannot decode the certificate's public key: " + openssl_reason());
  try {
    out.public_key = keyfile::public_parts(key);
    keyfile::CertificateFields fields = keyfile::certificate_fields(cert.get());
    out.der = std::move(fields.der);
    out.subject = std::move(fields.subject);
    out.issuer = std::move(fields.issuer);
    out.serial_number = std::move(fields.serial_number);
  } catch (const keyfile::Error& e) {
    throw FormatError(std::string("the certificate: ") + e.what());
  }
  require_supported(out.public_key, "the certificate's");
  return out;
}

bool same_key(const PrivateKey& priv, const PublicKey& pub) {
  const PublicKey& mine = priv.public_key();
  if (mine.algorithm != pub.algorithm) return false;
  if (mine.algorithm == KeyAlgorithm::rsa) return mine.modulus == pub.modulus && mine.public_exponent == pub.public_exponent;
  return mine.curve == pub.curve && mine.point == pub.point;
}

std::string pem_block(std::string_view label, std::span<const std::uint8_t> der) {
  const keyfile::Bio bio(BIO_new(BIO_s_mem()));
  if (!bio) throw std::bad_alloc();
  const std::string name(label);
  if (PEM_write_bio(bio.get(), name.c_str(), "", der.data(), static_cast<long>(der.size())) <= 0) {
    throw FormatError("OpenSSL cannot write PEM: " + openssl_reason());
  }
  char* text = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &text);
  return std::string(text, static_cast<std::size_t>(n));
}

std::string public_key_pem(const PublicKey& key) {
  const ParamBuilder build(OSSL_PARAM_BLD_new());
  if (!build) throw std::bad_alloc();
  keyfile::Bignum n, e;
  const char* type = "RSA";
  if (key.algorithm == KeyAlgorithm::rsa) {
    n.reset(BN_bin2bn(key.modulus.data(), static_cast<int>(key.modulus.size()), nullptr));
    e.reset(BN_bin2bn(key.public_exponent.data(), static_cast<int>(key.public_exponent.size()), nullptr));
    if (!n || !e || OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
      throw std::bad_alloc();
    }
  } else {
    type = "EC";
    const int nid = key.curve != nullptr ? OBJ_txt2nid(std::string(key.curve->oid).c_str()) : NID_undef;
    const char* group = nid != NID_undef ? OBJ_nid2sn(nid) : nullptr;
    if (group == nullptr) throw FormatError("the public key's curve is not one OpenSSL knows");
    if (OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, key.point.data(), key.point.size()) !=
            1) {
      throw std::bad_alloc();
    }
  }
  const Params params(OSSL_PARAM_BLD_to_param(build.get()));
  const PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!params || !ctx) throw std::bad_alloc();
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    throw FormatError("OpenSSL refuses the public key: " + openssl_reason());
  }
  const keyfile::Pkey pkey(raw);
  const keyfile::Bio bio(BIO_new(BIO_s_mem()));
  if (!bio) throw std::bad_alloc();
  if (PEM_write_bio_PUBKEY(bio.get(), pkey.get()) != 1) {
    throw FormatError("OpenSSL cannot write the public key: " + openssl_reason());
  }
  char* text = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &text);
  return std::string(text, static_cast<std::size_t>(len));
}

}  // namespace sslp11::cli
