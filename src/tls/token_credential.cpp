#include "tls/token_credential.h"

#include <openssl/x509.h>

#include <ostream>

#include "tls/pem_files.h"

namespace sslp11::tls {

namespace {

// The size of the certificate's public key (an EC key's curve: 256, 384, 521).
std::size_t leaf_key_bits(const Bytes& der) {
  const unsigned char* p = der.data();
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (cert == nullptr) throw std::runtime_error("the certificate does not parse");
  const int bits = EVP_PKEY_get_bits(X509_get0_pubkey(cert));
  X509_free(cert);
  return static_cast<std::size_t>(bits);
}

std::string key_algorithm(NCRYPT_KEY_HANDLE key) {
  PBYTE out = nullptr;
  DWORD size = 0;
  check(SslGetKeyProperty(key, NCRYPT_ALGORITHM_PROPERTY, &out, &size, 0), "SslGetKeyProperty(Algorithm Name)");
  const std::string name = narrow(reinterpret_cast<const WCHAR*>(out), size / sizeof(WCHAR));
  SslFreeBuffer(out);
  return name;
}

}  // namespace

TokenCredential TokenCredential::open(const Provider& provider, const std::string& cert_file,
                                      const std::optional<std::string>& import_key, const std::string& role,
                                      std::ostream& log) {
  TokenCredential out;
  out.cert_file = cert_file;
  out.chain = read_certificates_pem(cert_file);
  if (import_key) {
    const Bytes key_pem = read_file(*import_key), cert_pem = read_file(cert_file);
    Bytes id(SSLP11_IMPORTED_KEY_ID_LENGTH);
    const std::string label = "sslp11-tls imported " + role + " key";
    check(Sslp11ImportPemKey(provider.get(), key_pem.data(), static_cast<DWORD>(key_pem.size()), cert_pem.data(),
                             static_cast<DWORD>(cert_pem.size()), label.c_str(), id.data(), SSLP11_IMPORT_SESSION_OBJECTS),
          "Sslp11ImportPemKey");
    log << "-- test aid: " << *import_key << " and the certificate put on the token as session objects (CKA_ID "
        << hex(id) << ")\n";
  }
  CERT_CONTEXT context{X509_ASN_ENCODING, out.chain[0].data(), static_cast<DWORD>(out.chain[0].size()), nullptr,
                       nullptr};
  try {
    check(SslOpenPrivateKey(provider.get(), out.private_key.out(), &context, 0), "SslOpenPrivateKey");
  } catch (const ProviderError& e) {
    throw std::runtime_error("the private key of " + cert_file + " is not usable on token '" + provider.token_label() +
                             "': " + e.what());
  }
  out.algorithm = key_algorithm(out.private_key.get());
  out.ec_key = out.algorithm == "ECDSA";
  if (out.ec_key) out.ec_key_bits = leaf_key_bits(out.chain[0]);
  log << "-- " << role << " key: " << out.algorithm << " private key on token '" << provider.token_label()
      << "' (SslOpenPrivateKey by the certificate of " << cert_file << ")\n";
  return out;
}

}  // namespace sslp11::tls
