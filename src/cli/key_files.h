// Reading the files `import` takes: a private key or a certificate, PEM or
// DER (told apart by content). Every buffer that holds private-key bytes is
// a p11::SecureBytes, wiped when the object goes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/key_formats.h"
#include "pkcs11/secure_buffer.h"

namespace sslp11::cli {

// The whole file in a wiped buffer. Throws UsageError naming the path.
p11::SecureBytes read_file_wiped(const std::string& path, std::size_t max_bytes = std::size_t{1} << 20);

// A private key file: PKCS#8 ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY") or
// SEC1 ("EC PRIVATE KEY"), PEM or DER. Encrypted keys are refused.
class KeyFile {
 public:
  explicit KeyFile(const std::string& path);
  KeyFile(const KeyFile&) = delete;
  KeyFile& operator=(const KeyFile&) = delete;
  const PrivateKey& key() const noexcept { return key_; }

 private:
  PrivateKey key_;
};

// An X.509 certificate file, PEM ("CERTIFICATE", the first of a chain) or DER.
class CertificateFile {
 public:
  explicit CertificateFile(const std::string& path);
  CertificateFile(const CertificateFile&) = delete;
  CertificateFile& operator=(const CertificateFile&) = delete;
  const Certificate& certificate() const noexcept { return cert_; }
  // Certificates after the first in a PEM chain (not imported).
  std::size_t chain_rest() const noexcept { return cert_.chain_rest; }

 private:
  Certificate cert_;
};

}  // namespace sslp11::cli
