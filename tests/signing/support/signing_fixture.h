// The fixture of the signing tests: a provider on one of the test tokens and
// long-term key pairs made on that token for the test (RSA-2048, EC P-256,
// EC P-384), each with a CKO_CERTIFICATE of the same CKA_ID so
// SslOpenPrivateKey finds it. SoftHSM gets private token objects; the NSS
// softoken (no database, no login, read-only for token objects) session
// objects. Everything made is destroyed in TearDown.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sslp11/sslprovider.h>
#include <sslp11/sslprovider.hpp>

#include "pkcs11/session_pool.h"
#include "support/oracle/bytes.h"
#include "support/oracle/certificates.h"
#include "support/oracle/cng_blobs.h"
#include "support/oracle/keys.h"
#include "support/oracle/signatures.h"
#include "support/suite_facts.h"
#include "support/provider_env.h"
#include "support/test_tokens.h"

namespace sslp11::signingtest {

// The signing tests speak the independent oracle's vocabulary.
using namespace ::sslp11::oracle;

using test::TokenSpec;

// An Ssl* object, freed with SslFreeObject.
using ::sslp11::SslHandle;

enum class KeyKind { rsa2048, p256, p384 };

struct TokenKey {
  std::string name;              // "RSA-2048", "P-256"
  const CurveFacts* curve = nullptr;  // EC keys
  Bytes id;                      // CKA_ID of the key pair and the certificate
  Pkey public_key;               // the oracle's copy of the public half
  Certificate certificate;
  SslHandle handle;              // SslOpenPrivateKey
  std::vector<CK_OBJECT_HANDLE> objects;  // public key, private key, certificate
  bool ec() const { return curve != nullptr; }
};

class SigningTest : public ::testing::TestWithParam<TokenSpec> {
 protected:
  void SetUp() override;
  void TearDown() override;

  const TokenSpec& spec() const { return GetParam(); }
  NCRYPT_PROV_HANDLE p() const { return provider_->get(); }
  std::shared_ptr<p11::SessionPool> pool() const;

  // Made on the token on first use and opened with SslOpenPrivateKey.
  TokenKey& key(KeyKind kind);

  struct Signed {
    SECURITY_STATUS status = 0;
    DWORD size_query = 0;  // *pcbResult of the pbSignature == NULL call
    Bytes signature;
  };
  // SslSignHash as a caller does it: size query, then sign into that size.
  Signed sign(NCRYPT_KEY_HANDLE key, Bytes value, DWORD flags);
  SECURITY_STATUS verify(NCRYPT_KEY_HANDLE key, Bytes value, Bytes signature, DWORD flags);

  // SslImportKey of an OpenSSL public key (RSA, or EC on `curve`); freed in TearDown.
  NCRYPT_KEY_HANDLE import_public(const EVP_PKEY* key, const CurveFacts* curve = nullptr);

  // How many objects of the class / key type the token shows (leak checks).
  std::size_t count_objects(CK_OBJECT_CLASS cls, CK_KEY_TYPE type);

 private:
  std::unique_ptr<TokenKey> make_key(KeyKind kind);

  std::unique_ptr<test::ProviderHandle> provider_;
  std::map<KeyKind, std::unique_ptr<TokenKey>> keys_;
  std::vector<SslHandle> imported_;
};

// pbHashValue for NCRYPT_SSL_SIGN_INCLUDE_HASHOID: u"NAME" and its NUL, then the digest.
Bytes hashoid_value(std::u16string_view name, ByteView digest);
std::string status_text(SECURITY_STATUS status);

}  // namespace sslp11::signingtest
