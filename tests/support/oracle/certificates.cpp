#include "support/oracle/certificates.h"

#include <openssl/x509.h>

#include "support/oracle/der.h"
#include "support/oracle/keys.h"
#include "support/oracle/openssl_call.h"

namespace sslp11::oracle {

Certificate make_certificate(EVP_PKEY* subject, const std::string& common_name) {
  Pkey issuer = ec_generate(p256());
  std::unique_ptr<X509, Free<X509, X509_free>> cert(X509_new());
  if (!cert) openssl_fail("X509_new");
  check(X509_set_version(cert.get(), 2), "X509_set_version");
  check(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1), "serial");
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr) openssl_fail("notBefore");
  if (X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400) == nullptr) openssl_fail("notAfter");
  check(X509_set_pubkey(cert.get(), subject), "X509_set_pubkey");
  X509_NAME* name = X509_get_subject_name(cert.get());
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0),
        "CN");
  check(X509_set_issuer_name(cert.get(), name), "X509_set_issuer_name");
  check(X509_sign(cert.get(), issuer.get(), EVP_sha256()), "X509_sign");
  auto name_der = [](X509_NAME* n, unsigned char** p) { return i2d_X509_NAME(n, p); };
  Certificate c;
  c.der = der_of(cert.get(), [](X509* x, unsigned char** p) { return i2d_X509(x, p); });
  c.subject = der_of(X509_get_subject_name(cert.get()), name_der);
  c.issuer = der_of(X509_get_issuer_name(cert.get()), name_der);
  c.serial =
      der_of(X509_get_serialNumber(cert.get()), [](ASN1_INTEGER* n, unsigned char** p) { return i2d_ASN1_INTEGER(n, p); });
  return c;
}

}  // namespace sslp11::oracle
